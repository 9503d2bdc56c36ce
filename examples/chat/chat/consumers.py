"""The chat consumer: one room per URL, authenticated users, typed messages."""

from __future__ import annotations

from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import IsAuthenticated

from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import channel, event_handler, ws_handler
from chanx.drf import DjangoAuthenticator
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage
from chat.messages import (
    AnnouncementEvent,
    AnnouncementMessage,
    Author,
    ChatMessage,
    JoinedMessage,
    JoinMessage,
    MemberJoinedMessage,
    RoomInfo,
    RoomMessage,
    Said,
    TypingMessage,
    TypingNotice,
    TypingState,
)


class ChatAuthenticator(DjangoAuthenticator):
    """Logged-in users only: the session cookie (browser) or ``Authorization: Token …``."""

    authentication_classes = (SessionAuthentication, TokenAuthentication)
    permission_classes = (IsAuthenticated,)


def room_group(room: str) -> str:
    """The channel-layer group of a room."""
    return f"chat_{room}"


@channel(name="chat", description="Chat in the room named by the URL.", tags=["chat"])
class ChatConsumer(AsyncJsonWebsocketConsumer):
    """A chat room: say things, see who types, receive announcements."""

    authenticator_class = ChatAuthenticator

    @property
    def room(self) -> str:
        return str(self.url_kwargs["room"])

    @property
    def username(self) -> str:
        return str(self.scope["user"].get_username())

    async def get_groups(self) -> list[str]:
        return [room_group(self.room)]

    @ws_handler(summary="Keep the connection alive")
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        """Answer with a `pong`, to the sender only: the connection and the server are alive."""
        return PongMessage()

    @ws_handler(summary="Join the room", output_type=[JoinedMessage, MemberJoinedMessage])
    async def handle_join(self, message: JoinMessage) -> JoinedMessage:
        """Tell the others someone arrived; confirm the room to the sender."""
        await self.broadcast_message(
            MemberJoinedMessage(payload=Author(user=self.username)), exclude_current=True
        )
        return JoinedMessage(payload=RoomInfo(room=self.room, user=self.username))

    @ws_handler(summary="Say something", output_type=RoomMessage)
    async def handle_message(self, message: ChatMessage) -> None:
        """Broadcast to everyone in the room, the sender included."""
        said = Said(user=self.username, text=message.payload.text)
        await self.broadcast_message(RoomMessage(payload=said))

    @ws_handler(summary="Typing indicator", output_type=TypingNotice)
    async def handle_typing(self, message: TypingMessage) -> None:
        """Tell the others (not the sender) that this user types."""
        state = TypingState(user=self.username, typing=message.payload.typing)
        await self.broadcast_message(TypingNotice(payload=state), exclude_current=True)

    @event_handler(summary="Announcement from the server")
    async def on_announcement(self, event: AnnouncementEvent) -> AnnouncementMessage:
        """Forward an announcement that server code broadcast to the room to each client.

        Views and management commands send it (`ChatConsumer.broadcast_event_sync`); clients
        cannot.
        """
        return AnnouncementMessage(payload=event.payload)
