"""Broadcasting and server-side events: one group per chat room."""

# --8<-- [start:messages]
from typing import Literal

from pydantic import BaseModel

from chanx.messages.base import BaseMessage


class Said(BaseModel):
    user: str
    text: str


class Say(BaseMessage):
    """A client says something to its room."""

    action: Literal["say"] = "say"
    payload: str


class RoomMessage(BaseMessage):
    """Something said in the room, as every member receives it."""

    action: Literal["room_message"] = "room_message"
    payload: Said


class Announcement(BaseMessage):
    """A server-side event: never accepted from a client."""

    action: Literal["announcement"] = "announcement"
    payload: str


class AnnouncementNotice(BaseMessage):
    """How clients see an announcement."""

    action: Literal["announcement_notice"] = "announcement_notice"
    payload: str


# --8<-- [end:messages]

# --8<-- [start:consumer]
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import event_handler, ws_handler


def room_group(room: str) -> str:
    """The channel-layer group of a room; one function, so senders and members agree."""
    return f"room_{room}"


class RoomConsumer(AsyncJsonWebsocketConsumer):
    """Mounted at ws/rooms/<room>/: everyone connected to a room hears what is said in it."""

    async def get_groups(self) -> list[str]:
        # url_kwargs holds what the route captured: {"room": "lobby"}.
        return [room_group(self.url_kwargs["room"])]

    @ws_handler(output_type=RoomMessage)
    async def handle_say(self, message: Say) -> None:
        """Broadcast to the room, the sender included."""
        user = getattr(self.scope.get("user"), "username", "") or "anonymous"
        await self.broadcast_message(RoomMessage(payload=Said(user=user, text=message.payload)))

    @event_handler
    async def on_announcement(self, event: Announcement) -> AnnouncementNotice:
        """What this returns goes to this connection's client."""
        return AnnouncementNotice(payload=event.payload)


# --8<-- [end:consumer]

# --8<-- [start:routing]
from chanx.channels.routing import URLRouter, path

router = URLRouter([path("ws/rooms/<str:room>/", RoomConsumer.as_asgi())])
# --8<-- [end:routing]


# --8<-- [start:announce]
def announce(room: str, text: str) -> None:
    """Called from a view, a signal handler, a Celery task or a management command."""
    RoomConsumer.broadcast_event_sync(Announcement(payload=text), room_group(room))


async def announce_async(room: str, text: str) -> None:
    """The same from async code."""
    await RoomConsumer.broadcast_event(Announcement(payload=text), room_group(room))


# --8<-- [end:announce]
