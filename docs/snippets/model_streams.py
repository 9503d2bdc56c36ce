"""Live model streams: rooms saved anywhere, pushed to the sockets that may see them.

``Room`` is the test project's model (name, owner, members, is_public); in a project it
is ``from myapp.models import Room``.
"""

from tests.project.models import Room  # noqa: I001 - kept out of the page's sections

# --8<-- [start:payload]
from pydantic import BaseModel


class RoomOut(BaseModel):
    """A room as subscribers receive it."""

    id: int
    name: str
    is_public: bool


# --8<-- [end:payload]

# --8<-- [start:one]
from chanx.channels.model_topics import ModelTopic


class LiveRoom(ModelTopic):
    """One room: its saves and its deletion."""

    pattern = "room:{pk}"
    model = Room
    payload = RoomOut

    def authorize(self, pk: int) -> bool:  # sync: runs in a database thread
        room = Room.objects.filter(pk=pk).first()
        return room is not None and (room.is_public or room.owner_id == self.user.pk)


# --8<-- [end:one]

# --8<-- [start:list]
from collections.abc import Iterable


class PublicRoomList(ModelTopic):
    """Every public room: one enters when made public, leaves when made private."""

    pattern = "rooms:public"
    model = Room
    payload = RoomOut

    @classmethod
    def topics_for(cls, instance: Room) -> Iterable[str]:
        return ["rooms:public"] if instance.is_public else []


# --8<-- [end:list]

# --8<-- [start:drf]
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated

from chanx.drf.model_topics import SerializerModelTopic
from chanx.drf.topics import DRFPermissions


class RoomSerializer(serializers.ModelSerializer[Room]):
    class Meta:
        model = Room
        fields = ["id", "name", "owner", "members"]


class IsOwner(IsAuthenticated):
    def has_object_permission(self, request, view, obj):  # type: ignore[no-untyped-def]
        return obj.owner_id == request.user.pk


class OwnedRoom(DRFPermissions, SerializerModelTopic):
    """One room as the REST API shows it, for its owner only."""

    pattern = "owned-room:{pk}"
    model = Room
    serializer_class = RoomSerializer
    permission_classes = [IsOwner]


# --8<-- [end:drf]

# --8<-- [start:consumer]
from chanx.channels.routing import URLRouter, path
from chanx.channels.websocket import AsyncJsonWebsocketConsumer


class RoomsConsumer(AsyncJsonWebsocketConsumer):
    """Rooms, live."""

    topics = [LiveRoom, PublicRoomList, OwnedRoom]


router = URLRouter([path("ws/rooms/", RoomsConsumer.as_asgi())])
# --8<-- [end:consumer]


# --8<-- [start:test]
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.db import transaction

from chanx.messages.outgoing import SubscribedMessage
from chanx.testing import WebsocketCommunicator


async def test_public_rooms_stream() -> None:
    owner = await User.objects.acreate(username="olga")
    ws = WebsocketCommunicator(router, "/ws/rooms/", consumer=RoomsConsumer)
    await ws.connect()
    assert await ws.subscribe("rooms:public") == SubscribedMessage()

    def save_rooms() -> Room:
        with transaction.atomic():  # pushed once this commits
            room = Room.objects.create(name="plaza", owner=owner, is_public=True)
        try:
            with transaction.atomic():  # rolled back: pushes nothing
                Room.objects.create(name="ghost", owner=owner, is_public=True)
                raise RuntimeError("changed my mind")
        except RuntimeError:
            pass
        room.is_public = False
        room.save()  # leaves the list
        return room

    room = await sync_to_async(save_rooms)()
    assert await ws.receive_all_json(stop_action=None) == [
        {
            "version": 1,
            "topic": "rooms:public",
            "action": "created",
            "payload": {"id": room.pk, "name": "plaza", "is_public": True},
        },
        {"version": 1, "topic": "rooms:public", "action": "removed", "payload": {"pk": room.pk}},
    ]
    await ws.disconnect()


# --8<-- [end:test]
