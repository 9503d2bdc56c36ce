"""A multiplexed route of the test project: three sub-consumers on one WebSocket.

``chat`` and ``news`` join the room's group, so one broadcast reaches both streams;
``admin`` refuses every connection with its own authenticator, so its stream is
unavailable while the others work.
"""

from __future__ import annotations

import asyncio
from typing import Any

from chanx.channels.authentication import BaseAuthenticator
from chanx.channels.multiplex import AsyncJsonWebsocketDemultiplexer
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import event_handler, ws_handler
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage
from tests.project.messages import (
    CrashMessage,
    EchoMessage,
    EchoReply,
    Notification,
    NotifyEvent,
    ShoutMessage,
    ShoutNotice,
    SlowMessage,
    WhoAmIMessage,
    WhoAmIReply,
)


def room_group(room: str) -> str:
    """The group the ``chat`` and ``news`` streams of ``room`` join."""
    return f"mux_{room}"


class MultiplexChatConsumer(AsyncJsonWebsocketConsumer):
    """Echoes, takes its time when asked, and shouts to the room (itself included)."""

    async def get_groups(self) -> list[str]:
        return [room_group(self.url_kwargs.get("room", "lobby"))]

    @ws_handler
    async def handle_echo(self, message: EchoMessage) -> EchoReply:
        return EchoReply(payload=message.payload)

    @ws_handler
    async def handle_slow(self, message: SlowMessage) -> EchoReply:
        await asyncio.sleep(message.payload)
        return EchoReply(payload={"text": f"slept {message.payload}"})

    @ws_handler
    async def handle_crash(self, message: CrashMessage) -> None:
        raise RuntimeError("crashed on request")

    @ws_handler(output_type=ShoutNotice)
    async def handle_shout(self, message: ShoutMessage) -> None:
        await self.broadcast_message(ShoutNotice(payload=message.payload))

    @ws_handler
    async def handle_whoami(self, message: WhoAmIMessage) -> WhoAmIReply:
        user = self.scope.get("user")
        name = str(getattr(user, "username", None) or "anonymous")
        return WhoAmIReply(payload={"user": name, "channel": self.channel_name})


class MultiplexNewsConsumer(MultiplexChatConsumer):
    """The chat's handlers, plus server-side notifications."""

    @event_handler
    async def on_notify(self, event: NotifyEvent) -> Notification:
        return Notification(payload=event.payload)


class AdminsOnlyAuthenticator(BaseAuthenticator):
    """Refuses everyone: nobody is an admin in the tests."""

    async def authenticate(self, scope: dict[str, Any]) -> bool:
        return self.refuse(403, {"detail": "Admins only."})


class MultiplexAdminConsumer(MultiplexChatConsumer):
    """Would join the room too, but its authenticator refuses every connection."""

    authenticator_class = AdminsOnlyAuthenticator


class ProjectDemultiplexer(AsyncJsonWebsocketDemultiplexer):
    """Chat, news and admin streams on one connection, plus its own ping."""

    consumers = {
        "chat": MultiplexChatConsumer,
        "news": MultiplexNewsConsumer,
        "admin": MultiplexAdminConsumer,
    }

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()


class RenamedEnvelopeDemultiplexer(AsyncJsonWebsocketDemultiplexer):
    """The chat stream with an envelope spelled ``{"envelope_version", "stream", "data"}``.

    The version field has an underscore, so a test can see it is never camelized.
    """

    consumers = {"chat": MultiplexChatConsumer}
    envelope_consumer_field = "stream"
    envelope_message_field = "data"
    envelope_version_field = "envelope_version"
    envelope_version = 3
