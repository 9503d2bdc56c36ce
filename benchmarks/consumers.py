"""The three implementations under test, doing the same work.

* :class:`ChanxConsumer`: chanx's Channels consumer with ``@ws_handler`` handlers.
* :class:`RawConsumer`: what a careful hand-written Channels consumer does for the same
  protocol: ``json.loads`` (Channels' ``AsyncJsonWebsocketConsumer``), the same
  Pydantic discriminated union (``validate_python``), a dict from ``action`` to method,
  ``model_dump`` + ``send_json`` replies, and ``group_send`` broadcasts that carry the
  reply as a dict, encoded by ``send_json`` for each recipient.
* :class:`FloorConsumer`: the transport floor. It answers a frame with the frame's own
  text, never parsing it, and dispatches without Channels' per-message database cleanup,
  so it costs what ASGI, the consumer machinery and the channel layer cost and nothing
  more: no Channels consumer doing real work can be cheaper.

All three join the group named by the ``room`` URL argument. Importing this module
needs Django settings (``INSTALLED_APPS`` with ``chanx.channels``) configured first.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer as ChannelsJsonConsumer
from channels.generic.websocket import AsyncWebsocketConsumer as ChannelsConsumer
from pydantic import ValidationError

from benchmarks.messages import (
    INCOMING,
    EchoMessage,
    EchoReply,
    OrderMessage,
    OrderReply,
    ShoutMessage,
    ShoutNotice,
)
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import ws_handler
from chanx.messages.base import BaseMessage


def _room(scope: dict[str, Any]) -> str:
    kwargs: dict[str, Any] = (scope.get("url_route") or {}).get("kwargs", {})
    return f"bench_{kwargs.get('room', 'lobby')}"


class ChanxConsumer(AsyncJsonWebsocketConsumer):
    """Echo, nested echo and room broadcast, written with chanx."""

    # The overload run stalls a client for seconds, not minutes: drop it sooner than the
    # default 10 s so the run sees what happens to it.
    send_timeout = 3.0

    async def get_groups(self) -> list[str]:
        """Join the room named in the URL."""
        return [_room(self.scope)]

    @ws_handler
    async def handle_echo(self, message: EchoMessage) -> EchoReply:
        """Send the text back."""
        return EchoReply(payload=message.payload)

    @ws_handler
    async def handle_order(self, message: OrderMessage) -> OrderReply:
        """Send the validated order back."""
        return OrderReply(payload=message.payload)

    @ws_handler(output_type=ShoutNotice)
    async def handle_shout(self, message: ShoutMessage) -> None:
        """Broadcast the text to the room, except to the sender."""
        await self.broadcast_message(ShoutNotice(payload=message.payload), exclude_current=True)


_Handler = Callable[["RawConsumer", Any], Awaitable[None]]


class _RoomMember:
    """What a hand-written consumer does to join the room of its URL and leave it."""

    scope: dict[str, Any]
    channel_layer: Any
    channel_name: str
    room: str
    accept: Callable[[], Awaitable[None]]

    async def connect(self) -> None:
        """Join the room, then accept."""
        self.room = _room(self.scope)
        await self.channel_layer.group_add(self.room, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        """Leave the room."""
        await self.channel_layer.group_discard(self.room, self.channel_name)


class RawConsumer(_RoomMember, ChannelsJsonConsumer):  # type: ignore[misc]
    """The same protocol, hand-written on Channels' ``AsyncJsonWebsocketConsumer``."""

    handlers: ClassVar[dict[str, _Handler]]

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Validate the frame against the union and call the method for its action."""
        try:
            message: BaseMessage = INCOMING.validate_python(content)
        except ValidationError as exc:
            errors = exc.errors(include_url=False, include_context=False, include_input=False)
            await self.send_json(
                {
                    "action": "error",
                    "payload": {"detail": "Message validation failed", "errors": errors},
                }
            )
            return
        await self.handlers[message.action](self, message)

    async def handle_echo(self, message: EchoMessage) -> None:
        """Send the text back."""
        await self.send_json(EchoReply(payload=message.payload).model_dump())

    async def handle_order(self, message: OrderMessage) -> None:
        """Send the validated order back."""
        await self.send_json(OrderReply(payload=message.payload).model_dump())

    async def handle_shout(self, message: ShoutMessage) -> None:
        """Broadcast the text to the room, except to the sender."""
        notice = ShoutNotice(payload=message.payload).model_dump()
        await self.channel_layer.group_send(
            self.room, {"type": "shout.notice", "message": notice, "sender": self.channel_name}
        )

    async def shout_notice(self, event: dict[str, Any]) -> None:
        """Deliver a broadcast to this client unless it sent it."""
        if event["sender"] != self.channel_name:
            await self.send_json(event["message"])


RawConsumer.handlers = {
    "echo": RawConsumer.handle_echo,
    "order": RawConsumer.handle_order,
    "shout": RawConsumer.handle_shout,
}


class FloorConsumer(_RoomMember, ChannelsConsumer):  # type: ignore[misc]
    """Answers every frame with its own text; a frame starting with ``{"action": "shout"``
    is relayed to the room instead. Nothing is parsed or validated."""

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Route by type without Channels' per-message database cleanup (a thread hop)."""
        kind = message["type"]
        if kind == "websocket.receive":
            await self.receive(text_data=message.get("text"))
        elif kind == "floor.text":
            await self.floor_text(message)
        else:
            await super().dispatch(message)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Echo the text, or relay it to the room if it is a shout."""
        text = text_data or ""
        if text.startswith('{"action": "shout"'):
            await self.channel_layer.group_send(
                self.room, {"type": "floor.text", "text": text, "sender": self.channel_name}
            )
        else:
            await self.send(text_data=text)

    async def floor_text(self, event: dict[str, Any]) -> None:
        """Deliver a relayed frame unless this client sent it."""
        if event["sender"] != self.channel_name:
            await self.send(text_data=event["text"])


class RawConsumerWithoutCleanup(RawConsumer):
    """:class:`RawConsumer` minus Channels' per-message database cleanup (a thread hop).

    Not the baseline (a hand-written consumer keeps Channels' ``dispatch``); measured on
    request (``--raw-without-cleanup``) to show how much of chanx's lead is that hop.
    """

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Call the handler for the message type directly."""
        await getattr(self, get_handler_name(message))(message)
