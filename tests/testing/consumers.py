"""Consumers that exercise what chanx.testing checks: authentication, stray frames, cleanup."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar, Literal

from chanx.channels.authentication import BaseAuthenticator
from chanx.channels.routing import URLRouter, path
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import event_handler, ws_handler
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage
from tests.project.consumers import EchoConsumer
from tests.project.messages import EchoMessage, EchoReply, Notification, NotifyEvent

TOKENS = {b"good": "ada", b"broken": ""}


class HeaderTokenAuthenticator(BaseAuthenticator):
    """Admits ``x-token: good``; refuses a missing token with 401, any other with 403."""

    async def authenticate(self, scope: dict[str, Any]) -> bool:
        token = dict(scope["headers"]).get(b"x-token")
        if token is None:
            return self.refuse(401)
        user = TOKENS.get(token)
        if not user:
            return self.refuse(403, {"detail": "bad token"})
        self.user = user
        return self.admit({"user": user})


class GuardedConsumer(AsyncJsonWebsocketConsumer):
    """Answers pings, but only to connections with a good token."""

    authenticator_class = HeaderTokenAuthenticator

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()


class MysteryMessage(BaseMessage):
    """A message the consumer below sends without declaring it."""

    action: Literal["mystery"] = "mystery"
    payload: None = None


class UndeclaredReplyConsumer(AsyncJsonWebsocketConsumer):
    """Declares it answers ``echo`` with ``echo_reply`` but sends ``mystery`` too."""

    @ws_handler
    async def handle_echo(self, message: EchoMessage) -> EchoReply:
        await self.send_message(MysteryMessage())
        return EchoReply(payload=message.payload)


class RecordingConsumer(EchoConsumer):
    """The echo consumer, noting every disconnect (channel name, close code)."""

    disconnects: ClassVar[list[tuple[str, int]]] = []

    async def disconnect(self, code: int) -> None:
        type(self).disconnects.append((self.channel_name, code))


class StreamMessage(BaseMessage):
    """Asks for ``payload`` chunks followed by a ``stream_end`` message."""

    action: Literal["stream"] = "stream"
    payload: int


class ChunkMessage(BaseMessage):
    action: Literal["chunk"] = "chunk"
    payload: int


class StreamEndMessage(BaseMessage):
    action: Literal["stream_end"] = "stream_end"
    payload: None = None


class StreamingConsumer(AsyncJsonWebsocketConsumer):
    """Answers ``stream`` with several frames and an end marker of its own (not a signal)."""

    @ws_handler(output_type=[ChunkMessage, StreamEndMessage])
    async def handle_stream(self, message: StreamMessage) -> None:
        for number in range(message.payload):
            await self.send_message(ChunkMessage(payload=number))
        await self.send_message(StreamEndMessage())


class LateGroupConsumer(GuardedConsumer):
    """Joins the ``late`` group in ``post_authentication``, once ``gate`` is opened.

    The ``authentication`` message goes out before ``post_authentication`` runs, so a
    test that reads it and broadcasts at once races the consumer, unless it waits for
    the connection to finish connecting.
    """

    gate: ClassVar[asyncio.Event | None] = None

    async def post_authentication(self) -> None:
        if self.gate is not None:
            await self.gate.wait()
        self.groups.append("late")

    @event_handler
    async def on_notify(self, event: NotifyEvent) -> Notification:
        return Notification(payload=event.payload)


router = URLRouter(
    [
        path("ws/guarded/", GuardedConsumer.as_asgi()),
        path("ws/streaming/", StreamingConsumer.as_asgi()),
        path("ws/late/", LateGroupConsumer.as_asgi()),
        path("ws/undeclared/", UndeclaredReplyConsumer.as_asgi()),
        path("ws/recording/", RecordingConsumer.as_asgi()),
        path("ws/nested/", URLRouter([path("echo/", EchoConsumer.as_asgi())])),
    ]
)
"""Routes of the consumers above, passed explicitly to the communicators under test."""
