"""DRF permission classes on topic subscriptions, and model streams serialized by DRF.

``member-room:{pk}`` (tests.project.model_topics.MemberRoomStream) admits the room's owner
and members (``IsAuthenticated`` + ``IsRoomMember`` object permission), and pushes
``RoomSerializer`` data.
"""

from __future__ import annotations

import json
from typing import Any, Optional

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated

from chanx.core.topics import Topic
from chanx.drf.model_topics import serializer_payload
from chanx.drf.topics import DRFPermissions
from chanx.messages.outgoing import SubscribedMessage, TopicErrorMessage
from chanx.testing import WebsocketCommunicator
from tests.drf.conftest import People
from tests.project.model_topics import IsRoomMember, MemberRoomStream, StreamConsumer
from tests.project.models import Room
from tests.project.routing import router
from tests.waiting import DEADLINE


async def _connect(people: People, user: str | None) -> WebsocketCommunicator:
    headers = people.token_header(user) if user else []
    ws = WebsocketCommunicator(router, "/ws/streams/", headers=headers, consumer=StreamConsumer)
    connected, _ = await ws.connect(timeout=DEADLINE)
    assert connected
    # Every connection is admitted (anonymous too): its topics decide.
    assert json.loads(await ws.receive_from(DEADLINE))["action"] == "authentication"
    return ws


async def _general() -> Room:
    room: Room = await Room.objects.aget(name="general")
    return room


@pytest.mark.parametrize(
    ("user", "allowed"),
    [("alice", True), ("bob", True), ("carol", False), (None, False)],
)
async def test_object_permissions_decide_who_may_subscribe(
    people: People, user: str | None, allowed: bool
) -> None:
    room = await _general()
    ws = await _connect(people, user)
    reply = await ws.subscribe(f"member-room:{room.pk}")
    if allowed:
        assert reply == SubscribedMessage()
    else:
        assert isinstance(reply, TopicErrorMessage)
        assert reply.payload.reason == "unauthorized"
        # DRF's detail stays on the server: the client learns only the reason.
        assert "not allowed" not in reply.model_dump_json()
    await ws.disconnect()


async def test_a_missing_object_refuses_the_subscription(people: People) -> None:
    ws = await _connect(people, "alice")
    reply = await ws.subscribe("member-room:999999")
    assert isinstance(reply, TopicErrorMessage) and reply.payload.reason == "unauthorized"
    await ws.disconnect()


async def test_members_receive_the_serializer_data_and_others_nothing(people: People) -> None:
    room = await _general()
    bob, carol = await _connect(people, "bob"), await _connect(people, "carol")
    assert await bob.subscribe(f"member-room:{room.pk}") == SubscribedMessage()
    assert isinstance(await carol.subscribe(f"member-room:{room.pk}"), TopicErrorMessage)

    def make_public() -> None:
        room.is_public = True
        room.save()

    await sync_to_async(make_public)()
    frames = await bob.receive_all_json(stop_action="group_complete")
    assert frames == [
        {
            "version": 1,
            "topic": f"member-room:{room.pk}",
            "action": "updated",
            "payload": {
                "id": room.pk,
                "name": "general",
                "owner": people.alice.pk,
                "is_public": True,
                "members": [people.bob.pk],
            },
        }
    ]
    assert await carol.receive_nothing(0.2)
    await bob.disconnect()
    await carol.disconnect()


class _Connection:
    """What a topic reads of its consumer: the scope and a send_message."""

    def __init__(self, user: Any) -> None:
        self.scope = {"type": "websocket", "path": "/ws/streams/", "headers": [], "user": user}

    async def send_message(self, message: Any) -> None:
        raise AssertionError("a permission check sends nothing")


@pytest.mark.parametrize(
    ("user", "pk", "status"),
    [("bob", "general", 200), ("carol", "general", 403), (None, "general", 401), ("bob", 0, 404)],
)
async def test_the_outcome_is_drfs_answer(
    people: People, user: str | None, pk: Any, status: int
) -> None:
    room = await _general()
    key = room.pk if pk == "general" else pk
    person = getattr(people, user) if user else AnonymousUser()
    topic = MemberRoomStream(_Connection(person), f"member-room:{key}", {"pk": str(key)})  # type: ignore[arg-type]
    allowed = await topic.check_permissions(pk=key)
    assert topic.permission_outcome is not None
    assert (allowed, topic.permission_outcome.status_code) == (status == 200, status)
    if status == 403:
        assert topic.permission_outcome.data == {"detail": "You are not allowed in this room."}
    assert topic.obj == (room if status == 200 else None)


async def test_a_plain_topic_looks_its_object_up_by_another_field(people: People) -> None:
    class NamedRoom(DRFPermissions, Topic):
        pattern = "named-room:{name}"
        permission_classes = [IsAuthenticated, IsRoomMember]
        queryset = Room.objects.all()
        lookup_field = "name"

    bob = NamedRoom(_Connection(people.bob), "named-room:general", {"name": "general"})  # type: ignore[arg-type]
    assert await bob.authorize(name="general") is True
    assert isinstance(bob.obj, Room) and bob.obj.name == "general"
    carol = NamedRoom(_Connection(people.carol), "named-room:general", {"name": "general"})  # type: ignore[arg-type]
    assert await carol.authorize(name="general") is False


async def test_without_a_lookup_only_has_permission_is_checked(people: People) -> None:
    class Lobby(DRFPermissions, Topic):
        pattern = "lobby"
        permission_classes = [IsAuthenticated]

    assert Lobby.permission_check.queryset is None
    assert await Lobby(_Connection(people.carol), "lobby", {}).authorize() is True  # type: ignore[arg-type]
    anonymous = Lobby(_Connection(AnonymousUser()), "lobby", {})  # type: ignore[arg-type]
    assert await anonymous.authorize() is False


def test_configuration_mistakes_name_the_topic_class() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"Sloppy\.permission_classes\[0\]"):

        class Sloppy(DRFPermissions, Topic):
            pattern = "sloppy:{pk}"
            permission_classes = [IsAuthenticated()]  # type: ignore[list-item]


def test_serializer_payload_types_the_fields_drf_renders() -> None:
    class Nested(serializers.Serializer[Any]):
        label = serializers.CharField()

    class Everything(serializers.Serializer[Any]):
        count = serializers.IntegerField()
        ratio = serializers.FloatField(allow_null=True)
        price = serializers.DecimalField(max_digits=5, decimal_places=2)
        flag = serializers.BooleanField()
        when = serializers.DateTimeField()
        tags = serializers.ListField(child=serializers.CharField())
        nested = Nested()
        many = Nested(many=True)
        secret = serializers.CharField(write_only=True)
        extra = serializers.SerializerMethodField()

    model = serializer_payload(Everything)
    assert model.__name__ == "EverythingPayload"
    fields = model.model_fields
    assert "secret" not in fields
    assert fields["count"].annotation is int
    assert fields["ratio"].annotation == Optional[float]  # noqa: UP045
    assert fields["price"].annotation is str
    assert fields["tags"].annotation == list[str]
    nested = fields["nested"].annotation
    assert nested is not None and nested.__name__ == "NestedPayload"
    assert fields["many"].annotation == list[nested]  # type: ignore[valid-type]
    assert fields["extra"].annotation is Any
    ok = model.model_validate(
        {
            "count": 1,
            "ratio": None,
            "price": "1.50",
            "flag": True,
            "when": "2026-01-01T00:00:00Z",
            "tags": ["a"],
            "nested": {"label": "x"},
            "many": [{"label": "y"}],
            "extra": {"anything": 1},
        }
    )
    assert json.loads(ok.model_dump_json())["nested"] == {"label": "x"}
    assert MemberRoomStream.Updated.model_fields["payload"].annotation is MemberRoomStream.payload
