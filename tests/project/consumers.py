"""Consumers used across the test suite."""

from __future__ import annotations

import asyncio

from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import channel, event_handler, ws_handler
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage
from tests.project.messages import (
    CrashMessage,
    EchoMessage,
    EchoReply,
    Notification,
    NotifyEvent,
    OrderMessage,
    OrderReply,
    ShoutMessage,
    ShoutNotice,
    SlowMessage,
    WhoAmIMessage,
    WhoAmIReply,
)


@channel(name="echo", description="Echo, broadcast and events for tests", tags=["tests"])
class EchoConsumer(AsyncJsonWebsocketConsumer):
    """Echoes, shouts to its room, crashes on request and takes its time when asked."""

    handled: int = 0

    async def get_groups(self) -> list[str]:
        return [f"room_{self.url_kwargs.get('room', 'lobby')}"]

    @ws_handler(summary="Answer a ping")
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        type(self).handled += 1
        return PongMessage()

    @ws_handler
    async def handle_echo(self, message: EchoMessage) -> EchoReply:
        """Echo the text back."""
        type(self).handled += 1
        return EchoReply(payload=message.payload)

    @ws_handler
    async def handle_order(self, message: OrderMessage) -> OrderReply:
        return OrderReply(payload=message.payload)

    @ws_handler(output_type=ShoutNotice)
    async def handle_shout(self, message: ShoutMessage) -> None:
        """Broadcast the text to the room, except to the sender."""
        await self.broadcast_message(ShoutNotice(payload=message.payload), exclude_current=True)

    @ws_handler
    async def handle_crash(self, message: CrashMessage) -> None:
        raise RuntimeError("secret internal detail: password=hunter2")

    @ws_handler
    async def handle_slow(self, message: SlowMessage) -> EchoReply:
        await asyncio.sleep(message.payload)
        return EchoReply(payload={"text": f"slept {message.payload}"})

    @ws_handler
    async def handle_whoami(self, message: WhoAmIMessage) -> WhoAmIReply:
        user = self.scope.get("user")
        name = str(getattr(user, "username", None) or "anonymous")
        return WhoAmIReply(payload={"user": name, "channel": self.channel_name})

    @event_handler
    async def on_notify(self, event: NotifyEvent) -> Notification:
        return Notification(payload=event.payload)


class ConcurrentEchoConsumer(EchoConsumer):
    """The same handlers, four frames at a time."""

    max_concurrent_handlers = 4


class SmallFramesConsumer(EchoConsumer):
    """Refuses frames over 64 bytes."""

    max_frame_size = 64


class SilentConsumer(AsyncJsonWebsocketConsumer):
    """A consumer without handlers: every frame is an error."""
