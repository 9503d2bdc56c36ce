"""Live model streams of the chat: the public rooms, pushed as they are saved anywhere.

Imported by :meth:`chat.apps.ChatConfig.ready`, so that every process that saves rooms
(the server, the admin, ``manage.py shell``, a management command) connects the signals
that push the saves. With the in-memory channel layer only the server's own saves (the
admin it serves) reach its sockets; with ``REDIS_URL`` every process's do.
"""

from __future__ import annotations

from collections.abc import Iterable

from chanx.channels.model_topics import ModelTopic
from chat.messages import ListedRoom, RoomListMessage
from chat.models import Room


class PublicRoomList(ModelTopic):
    """The public rooms, live: the whole list on subscribing, then every change.

    A room made public enters the list (`updated`), one made private leaves it
    (`removed`), a deleted one is `deleted`.
    """

    pattern = "rooms"
    model = Room
    payload = ListedRoom
    pushes = (RoomListMessage,)

    @classmethod
    def topics_for(cls, instance: Room) -> Iterable[str]:
        return ["rooms"] if instance.is_public else []

    async def on_subscribe(self) -> None:
        """Send the list as it is now; the group is already joined, so no change is missed."""
        rooms = [
            ListedRoom.model_validate(room, from_attributes=True)
            async for room in Room.objects.filter(is_public=True)
        ]
        await self.send_message(RoomListMessage(payload=rooms))
