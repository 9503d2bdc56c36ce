"""The messages every benchmarked implementation speaks, and the frames sent to them.

chanx and the hand-written consumer validate against the same classes: the hand-written
one through a :data:`INCOMING` ``TypeAdapter`` over the discriminated union of
:data:`INCOMING_TYPES`, chanx through the adapter it builds from its handlers' hints.
"""

from __future__ import annotations

import json
from typing import Annotated, Literal, Union

from pydantic import BaseModel, Field, TypeAdapter

from chanx.messages.base import BaseMessage


class TextPayload(BaseModel):
    """A short text."""

    text: str


class EchoMessage(BaseMessage):
    """Asks for its payload back."""

    action: Literal["echo"] = "echo"
    payload: TextPayload


class EchoReply(BaseMessage):
    """The answer to :class:`EchoMessage`."""

    action: Literal["echo_reply"] = "echo_reply"
    payload: TextPayload


class Item(BaseModel):
    """One line of an order: the nested part of the nested-payload scenario."""

    name: str
    quantity: int
    price: float
    tags: list[str]


class OrderPayload(BaseModel):
    """An order with a list of items."""

    order_id: int
    customer: str
    items: list[Item]


class OrderMessage(BaseMessage):
    """Asks for the order back, validated item by item."""

    action: Literal["order"] = "order"
    payload: OrderPayload


class OrderReply(BaseMessage):
    """The answer to :class:`OrderMessage`."""

    action: Literal["order_reply"] = "order_reply"
    payload: OrderPayload


class ShoutMessage(BaseMessage):
    """Asks for its text to be broadcast to the sender's room, except to the sender."""

    action: Literal["shout"] = "shout"
    payload: TextPayload


class ShoutNotice(BaseMessage):
    """What every other member of the room receives for a :class:`ShoutMessage`."""

    action: Literal["shout_notice"] = "shout_notice"
    payload: TextPayload


INCOMING_TYPES: tuple[type[BaseMessage], ...] = (EchoMessage, OrderMessage, ShoutMessage)
"""The client messages both consumers accept, in handler order."""

IncomingMessage = Annotated[
    Union[EchoMessage, OrderMessage, ShoutMessage],  # noqa: UP007 - matches chanx's adapter
    Field(discriminator="action"),
]

INCOMING: TypeAdapter[EchoMessage | OrderMessage | ShoutMessage] = TypeAdapter(IncomingMessage)
"""The hand-written consumer's validator: the discriminated union, built once."""

NESTED_ITEMS = 20


def echo_frame(index: int) -> str:
    """The text of the ``index``-th echo frame."""
    return json.dumps({"action": "echo", "payload": {"text": f"hello {index}"}})


def order_frame(index: int) -> str:
    """An order frame with :data:`NESTED_ITEMS` nested items."""
    items = [
        {
            "name": f"item-{index}-{n}",
            "quantity": n + 1,
            "price": 9.5 + n,
            "tags": ["fresh", f"aisle-{n % 7}", "sale" if n % 2 else "regular"],
        }
        for n in range(NESTED_ITEMS)
    ]
    payload = {"order_id": index, "customer": f"customer {index}", "items": items}
    return json.dumps({"action": "order", "payload": payload})


def shout_frame(index: int) -> str:
    """The text of the ``index``-th broadcast request."""
    return json.dumps({"action": "shout", "payload": {"text": f"news {index}"}})
