"""A handler may not take the name of a method the Channels consumer machinery defines.

The names are read from the consumer's MRO rather than listed by hand, so a method added
to chanx or to Channels later is covered without touching this file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from chanx.channels.routing import URLRouter, path
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import HANDLER_ATTR, event_handler, ws_handler
from chanx.core.discovery import HandlerDefinitionError
from chanx.testing import WebsocketCommunicator
from tests.project.consumers import EchoConsumer
from tests.project.messages import EchoMessage, EchoReply, TextPayload

pytestmark = pytest.mark.django_db(transaction=True)


def _machinery_names() -> list[str]:
    """Every callable attribute of the consumer's MRO that is not a handler."""
    return sorted(
        name
        for name in dir(AsyncJsonWebsocketConsumer)
        if callable(getattr(AsyncJsonWebsocketConsumer, name))
        and not hasattr(getattr(AsyncJsonWebsocketConsumer, name), HANDLER_ATTR)
    )


MACHINERY_NAMES = _machinery_names()

CALLED_BY_THE_MACHINERY = {
    "__call__",
    "dispatch",
    "websocket_connect",
    "websocket_receive",
    "websocket_disconnect",
    "connect",
    "receive",
    "disconnect",
    "send",
    "close",
    "accept",
    "send_json",
    "receive_json",
    "encode_json",
    "decode_json",
    "chanx_handle_frame",
    "chanx_handle_event",
    "chanx_handle_broadcast",
    "send_message",
    "send_text",
    "broadcast_message",
    "chanx_broadcast",
    "chanx_event",
    "get_groups",
    "post_authentication",
    "configure_chanx",
    "make_inbox",
}


def _owner(name: str) -> type:
    owner: type = next(k for k in AsyncJsonWebsocketConsumer.__mro__ if name in vars(k))
    return owner


def _handler() -> Callable[..., Any]:
    async def handle(self: Any, message: EchoMessage) -> EchoReply:
        return EchoReply(payload=message.payload)

    return handle


def test_enumeration_covers_every_name_the_machinery_calls() -> None:
    assert set(MACHINERY_NAMES) >= CALLED_BY_THE_MACHINERY


@pytest.mark.parametrize("decorator", [ws_handler, event_handler], ids=["ws", "event"])
@pytest.mark.parametrize("name", MACHINERY_NAMES)
def test_handler_named_like_a_consumer_method_is_refused_at_class_creation(
    name: str, decorator: Callable[[Any], Any]
) -> None:
    owner = _owner(name)
    expected = (
        rf"^Taken\.{re.escape(name)}: this @(ws|event)_handler would replace "
        rf"{re.escape(owner.__module__)}\.{re.escape(owner.__qualname__)}\.{re.escape(name)},"
        r".*Rename the handler: the action it handles comes from its message type"
    )
    with pytest.raises(HandlerDefinitionError, match=expected):
        type("Taken", (AsyncJsonWebsocketConsumer,), {name: decorator(_handler())})


class UpperEchoConsumer(EchoConsumer):
    @ws_handler
    async def handle_echo(self, message: EchoMessage) -> EchoReply:
        """Echo the text back, shouted."""
        return EchoReply(payload=TextPayload(text=message.payload.text.upper()))


async def test_subclass_redefining_a_parent_handler_by_name_still_works() -> None:
    spec = UpperEchoConsumer.__chanx_spec__
    assert spec.ws_handlers["echo"].func is UpperEchoConsumer.handle_echo
    router = URLRouter([path("ws/upper/", UpperEchoConsumer.as_asgi())])
    ws = WebsocketCommunicator(router, "/ws/upper/", consumer=UpperEchoConsumer)
    connected, _ = await ws.connect()
    assert connected
    await ws.send_message(EchoMessage(payload=TextPayload(text="hi")))
    assert await ws.receive_all_messages() == [EchoReply(payload=TextPayload(text="HI"))]
    await ws.disconnect()
