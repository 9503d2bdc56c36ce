"""Rooms as topics: one socket per browser tab, any number of rooms on it.

The same rooms as :class:`chat.consumers.ChatConsumer`'s, reached differently: instead of a
route per room, the hub's single route mounts :class:`RoomTopic`, and the page subscribes to
the rooms it shows. Rooms whose name starts with ``staff-`` admit staff users only. The
list of rooms (:class:`chat.streams.PublicRoomList`) is a topic of the same socket.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import channel, event_handler, ws_handler
from chanx.core.topics import Topic
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage
from chat.consumers import ChatAuthenticator
from chat.messages import (
    AnnouncementEvent,
    AnnouncementMessage,
    ChatMessage,
    RoomMessage,
    Said,
    TypingMessage,
    TypingNotice,
    TypingState,
)
from chat.streams import PublicRoomList

RoomName = Annotated[str, StringConstraints(pattern=r"^[\w-]{1,50}$")]
"""A room name, as in the chat's URLs: validated before `authorize` runs."""


class RoomTopic(Topic):
    """A chat room: say things, see who types, receive announcements."""

    pattern = "room:{name}"

    async def authorize(self, name: RoomName) -> bool:
        """Anyone logged in, but `staff-` rooms admit staff only."""
        user = self.user
        return bool(user and user.is_authenticated) and (
            not name.startswith("staff-") or bool(user.is_staff)
        )

    @property
    def username(self) -> str:
        return str(self.user.get_username())

    @ws_handler(summary="Say something in the room", output_type=RoomMessage)
    async def handle_message(self, message: ChatMessage) -> None:
        """Broadcast to every subscriber of the room, the sender included."""
        said = Said(user=self.username, text=message.payload.text)
        await self.broadcast_message(RoomMessage(payload=said))

    @ws_handler(summary="Typing indicator", output_type=TypingNotice)
    async def handle_typing(self, message: TypingMessage) -> None:
        """Tell the room's other subscribers that this user types."""
        state = TypingState(user=self.username, typing=message.payload.typing)
        await self.broadcast_message(TypingNotice(payload=state), exclude_current=True)

    @event_handler(summary="Announcement from the server")
    async def on_announcement(self, event: AnnouncementEvent) -> AnnouncementMessage:
        """Forward an announcement published to the room (`RoomTopic.publish`)."""
        return AnnouncementMessage(payload=event.payload)


@channel(
    name="hub",
    description=(
        "Every room on one socket: subscribe to `room:<name>` topics, and to `rooms`, "
        "the live list of public rooms."
    ),
)
class HubConsumer(AsyncJsonWebsocketConsumer):
    """One connection per page; the rooms it shows, and their list, are topics."""

    authenticator_class = ChatAuthenticator
    topics = (RoomTopic, PublicRoomList)
    max_subscriptions = 20

    @ws_handler(summary="Keep the connection alive")
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        """Answer with a `pong`."""
        return PongMessage()
