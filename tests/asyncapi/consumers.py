"""Consumers of the AsyncAPI tests: the shapes a real project has."""

from __future__ import annotations

from typing import Any, ClassVar

from channels.generic.websocket import AsyncWebsocketConsumer

from chanx.channels.authentication import BaseAuthenticator
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import channel, event_handler, ws_handler
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage
from tests.asyncapi.messages import (
    ChatPosted,
    NoticeDelivered,
    PackBox,
    SendChat,
    SystemNotice,
)
from tests.asyncapi.shop.models import PlaceOrder


class AllowEveryone(BaseAuthenticator):
    # Admits everyone: clients need no credentials, so the document gives them no security.
    asyncapi_security: ClassVar[dict[str, Any]] = {}

    async def authenticate(self, scope: dict[str, Any]) -> bool:
        return self.admit()


@channel(name="chat room", description="Chat with everyone in a room.", tags=["chat", "rooms"])
class ChatConsumer(AsyncJsonWebsocketConsumer):
    """Docstring that @channel's description replaces."""

    authenticator_class = AllowEveryone

    @ws_handler(summary="Check the connection", tags=["health"])
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler(
        output_type=ChatPosted,
        summary="Post a chat line",
        description="Broadcast to the whole room, the sender included.",
        tags=["chat"],
    )
    async def handle_chat(self, message: SendChat) -> None:
        await self.broadcast_message(ChatPosted(payload=message.payload))

    @event_handler(summary="Relay a system notice")
    async def on_notice(self, event: SystemNotice) -> NoticeDelivered:
        return NoticeDelivered(payload=event.payload)


class NotesConsumer(AsyncJsonWebsocketConsumer):
    """Private notes: shares the chat messages with ChatConsumer."""

    @ws_handler
    async def handle_chat(self, message: SendChat) -> ChatPosted:
        """Keep a note.

        The note comes back as posted.
        """
        return ChatPosted(payload=message.payload)


class ShopConsumer(AsyncJsonWebsocketConsumer):
    """Uses two different models both called Item."""

    @ws_handler
    async def handle_order(self, message: PlaceOrder) -> None:
        return None

    @ws_handler
    async def handle_pack(self, message: PackBox) -> None:
        return None


class QuietConsumer(AsyncJsonWebsocketConsumer):
    pass


class PlainChannelsConsumer(AsyncWebsocketConsumer):
    """Not a chanx consumer: discovery leaves it out."""
