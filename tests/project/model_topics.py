"""Live streams of the ``Room`` model and a consumer mounting them (in-process and e2e tests).

* ``room:{pk}`` (:class:`RoomStream`): one room, with its members; its owner, its
  members and, for a public room, everyone may subscribe.
* ``rooms:public`` (:class:`PublicRooms`): the list of public rooms, a filtered list.
* ``rooms:{owner}`` (:class:`OwnerRooms`): one owner's rooms; only that owner may watch.
* ``member-room:{pk}`` (:class:`MemberRoomStream`): one room as its REST serializer shows
  it, for members only, checked by DRF permission classes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from rest_framework import serializers
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import SAFE_METHODS, AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request

from chanx.channels.model_topics import ModelTopic
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import ws_handler
from chanx.drf import DjangoAuthenticator
from chanx.drf.model_topics import SerializerModelTopic
from chanx.drf.topics import DRFPermissions
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage
from tests.project.models import Room


class RoomOut(BaseModel):
    """A room as the streams send it."""

    id: int
    name: str
    is_public: bool
    owner_id: int
    member_ids: list[int]


def may_see(user: Any, room: Room) -> bool:
    """The public, the owner and the members may see a room."""
    if room.is_public:
        return True
    if user is None or not user.is_authenticated:
        return False
    return bool(room.owner_id == user.pk or room.members.filter(pk=user.pk).exists())


class RoomStream(ModelTopic):
    """One room, live: saved, deleted, members added or removed."""

    pattern = "room:{pk}"
    model = Room
    payload = RoomOut
    m2m_fields = ["members"]

    @classmethod
    def serialize(cls, instance: Room) -> RoomOut:
        return RoomOut(
            id=instance.pk,
            name=instance.name,
            is_public=instance.is_public,
            owner_id=instance.owner_id,
            member_ids=sorted(instance.members.values_list("pk", flat=True)),
        )

    def authorize(self, pk: int) -> bool:  # sync: runs in a database thread
        room = Room.objects.filter(pk=pk).first()
        return room is not None and may_see(self.user, room)


class PublicRooms(ModelTopic):
    """The public rooms: a room enters when made public and is removed when made private."""

    pattern = "rooms:public"
    model = Room
    payload = RoomOut
    serialize = RoomStream.serialize

    @classmethod
    def topics_for(cls, instance: Room) -> Iterable[str]:
        return ["rooms:public"] if instance.is_public else []


class OwnerRooms(ModelTopic):
    """The rooms of one owner (``rooms:<owner id>``), for that owner only."""

    pattern = "rooms:{owner}"
    model = Room
    payload = RoomOut
    serialize = RoomStream.serialize

    async def authorize(self, owner: int) -> bool:
        user = self.user
        return user is not None and user.is_authenticated and user.pk == owner


class RoomSerializer(serializers.ModelSerializer[Room]):
    """The REST representation of a room."""

    class Meta:
        model = Room
        fields = ["id", "name", "owner", "is_public", "members"]


class IsRoomMember(BasePermission):
    """Members and the owner may read a room; only the owner may write to it."""

    message = "You are not allowed in this room."

    def has_object_permission(self, request: Request, view: Any, obj: Room) -> bool:
        user = request.user
        if request.method in SAFE_METHODS:
            return bool(obj.owner_id == user.pk or obj.members.filter(pk=user.pk).exists())
        return bool(obj.owner_id == user.pk)


class MemberRoomStream(DRFPermissions, SerializerModelTopic):
    """One room as the REST API shows it, for its members (DRF permission classes)."""

    pattern = "member-room:{pk}"
    model = Room
    serializer_class = RoomSerializer
    permission_classes = [IsAuthenticated, IsRoomMember]


class StreamAuthenticator(DjangoAuthenticator):
    """Token authentication; anonymous connections are let in (their topics decide)."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [AllowAny]


class StreamConsumer(AsyncJsonWebsocketConsumer):
    """Rooms, live, on one socket."""

    authenticator_class = StreamAuthenticator
    topics = [RoomStream, PublicRooms, OwnerRooms, MemberRoomStream]

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()
