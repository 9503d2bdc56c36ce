"""Live model streams in one process: real test database, in-memory layer, real consumers.

Saves run the way a Django view under ASGI runs them, in a ``sync_to_async`` thread; what
a subscriber receives is read frame by frame, completion signals skipped.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.contrib.auth.models import User
from django.db import transaction
from pydantic import BaseModel
from rest_framework.authtoken.models import Token

from chanx.channels.model_topics import ModelTopic, publish_in_order
from chanx.core.discovery import HandlerDefinitionError
from chanx.core.model_messages import ModelCreated, ModelDeleted
from chanx.messages.outgoing import SubscribedMessage, TopicErrorMessage
from chanx.testing import WebsocketCommunicator
from chanx.testing.outgoing import topic_outgoing_types
from tests.project.model_topics import (
    OwnerRooms,
    PublicRooms,
    RoomOut,
    RoomStream,
    StreamConsumer,
)
from tests.project.models import Room
from tests.project.routing import router
from tests.waiting import DEADLINE

pytestmark = pytest.mark.django_db(transaction=True)

R = TypeVar("R")
COMPLETIONS = {"complete", "group_complete", "event_complete"}


@dataclass
class People:
    alice: User
    bob: User
    carol: User
    tokens: dict[str, str]


@pytest.fixture
def people(settings: Any) -> People:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    users = {name: User.objects.create_user(name) for name in ("alice", "bob", "carol")}
    tokens = {name: Token.objects.create(user=user).key for name, user in users.items()}
    return People(users["alice"], users["bob"], users["carol"], tokens)


async def db(func: Callable[[], R]) -> R:
    """Run ORM code as a Django view under ASGI does: in the thread-sensitive thread."""
    return await sync_to_async(func)()


class Client:
    """A connection to the streams consumer, as one user (or anonymous)."""

    def __init__(self, token: str | None) -> None:
        headers = [(b"authorization", f"Token {token}".encode())] if token else []
        self.ws = WebsocketCommunicator(
            router, "/ws/streams/", headers=headers, consumer=StreamConsumer
        )

    async def __aenter__(self) -> Client:
        connected, _ = await self.ws.connect(timeout=DEADLINE)
        assert connected
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.ws.disconnect()

    async def subscribe(self, topic: str) -> None:
        reply = await self.ws.subscribe(topic)
        assert reply == SubscribedMessage(), reply

    async def refused(self, topic: str) -> str | None:
        reply = await self.ws.subscribe(topic)
        assert isinstance(reply, TopicErrorMessage), reply
        return reply.payload.reason

    async def push(self, timeout: float = 3) -> dict[str, Any]:
        """The next frame pushed on a topic (completion signals skipped)."""
        while True:
            frame: dict[str, Any] = json.loads(await self.ws.receive_from(timeout))
            if frame.get("action") not in COMPLETIONS and frame.get("action") != "authentication":
                return frame

    async def nothing(self) -> bool:
        """Nothing but completion signals arrives for a while."""
        while not await self.ws.receive_nothing(0.2):
            frame = json.loads(await self.ws.receive_from(1))
            if frame.get("action") not in COMPLETIONS and frame.get("action") != "authentication":
                raise AssertionError(f"unexpected frame {frame}")
        return True


@pytest.fixture
async def clients(people: People) -> AsyncIterator[Callable[[str | None], Client]]:
    opened: list[Client] = []

    def open_as(user: str | None) -> Client:
        client = Client(people.tokens[user] if user else None)
        opened.append(client)
        return client

    yield open_as
    for client in opened:
        await client.ws.disconnect()


def room_json(room: Room, members: list[int] | None = None) -> dict[str, Any]:
    return {
        "id": room.pk,
        "name": room.name,
        "is_public": room.is_public,
        "owner_id": room.owner_id,
        "member_ids": members or [],
    }


async def test_created_updated_and_deleted_reach_the_subscribers(
    people: People, clients: Callable[[str | None], Client]
) -> None:
    async with clients("alice") as alice:
        await alice.subscribe(f"rooms:{people.alice.pk}")
        room = await db(lambda: Room.objects.create(name="lobby", owner=people.alice))
        assert await alice.push() == {
            "version": 1,
            "topic": f"rooms:{people.alice.pk}",
            "action": "created",
            "payload": room_json(room),
        }
        await alice.subscribe(f"room:{room.pk}")

        def rename() -> None:
            room.name = "hall"
            room.save()

        await db(rename)
        # One save, two streams it belongs to: the pushes come in topic order.
        pushed = [await alice.push(), await alice.push()]
        assert {(f["topic"], f["action"]) for f in pushed} == {
            (f"room:{room.pk}", "updated"),
            (f"rooms:{people.alice.pk}", "updated"),
        }
        assert all(f["payload"]["name"] == "hall" for f in pushed)

        pk = room.pk
        await db(room.delete)
        gone = [await alice.push(), await alice.push()]
        assert sorted((f["topic"], f["action"], f["payload"]) for f in gone) == [
            (f"room:{pk}", "deleted", {"pk": pk}),
            (f"rooms:{people.alice.pk}", "deleted", {"pk": pk}),
        ]
        assert await alice.nothing()


async def test_a_rolled_back_save_pushes_nothing(
    people: People, clients: Callable[[str | None], Client]
) -> None:
    async with clients("alice") as alice:
        await alice.subscribe(f"rooms:{people.alice.pk}")

        def save_and_fail() -> None:
            with transaction.atomic():
                Room.objects.create(name="doomed", owner=people.alice)
                raise RuntimeError("rolled back")

        with pytest.raises(RuntimeError):
            await db(save_and_fail)
        kept = await db(lambda: Room.objects.create(name="kept", owner=people.alice))
        # The first push is the committed room's: nothing came of the rolled-back one.
        first = await alice.push()
        assert (first["action"], first["payload"]["name"]) == ("created", "kept")
        assert first["payload"]["id"] == kept.pk
        assert await alice.nothing()
        assert not await db(lambda: Room.objects.filter(name="doomed").exists())


async def test_pushes_wait_for_the_commit_and_keep_the_order_of_the_saves(
    people: People, clients: Callable[[str | None], Client]
) -> None:
    async with clients("alice") as alice:
        await alice.subscribe(f"rooms:{people.alice.pk}")
        quiet_inside: list[bool] = []

        def one_transaction() -> None:
            with transaction.atomic():
                room = Room.objects.create(name="draft", owner=people.alice)
                for name in ("draft-2", "draft-3"):
                    room.name = name
                    room.save()
                # Still inside the transaction: nothing may have been pushed yet.
                quiet_inside.append(async_to_sync(alice.nothing)())

        await db(one_transaction)
        assert quiet_inside == [True]
        frames = [await alice.push() for _ in range(3)]
        # Each push carries the object as its own save left it.
        assert [(f["action"], f["payload"]["name"]) for f in frames] == [
            ("created", "draft"),
            ("updated", "draft-2"),
            ("updated", "draft-3"),
        ]


async def test_an_unauthorized_subscriber_is_refused_and_never_receives(
    people: People, clients: Callable[[str | None], Client]
) -> None:
    room = await db(lambda: Room.objects.create(name="private", owner=people.alice))
    async with clients("alice") as alice, clients("carol") as carol, clients(None) as anon:
        await alice.subscribe(f"room:{room.pk}")
        assert await carol.refused(f"room:{room.pk}") == "unauthorized"
        assert await anon.refused(f"room:{room.pk}") == "unauthorized"
        assert await carol.refused(f"rooms:{people.alice.pk}") == "unauthorized"

        def rename() -> None:
            room.name = "still-private"
            room.save()

        await db(rename)
        assert (await alice.push())["payload"]["name"] == "still-private"
        assert await carol.nothing()
        assert await anon.nothing()


async def test_member_changes_push_updates_from_either_side_of_the_relation(
    people: People, clients: Callable[[str | None], Client]
) -> None:
    room = await db(lambda: Room.objects.create(name="club", owner=people.alice))
    async with clients("alice") as alice:
        await alice.subscribe(f"room:{room.pk}")
        await db(lambda: room.members.add(people.bob, people.carol))
        added = await alice.push()
        assert (added["action"], added["payload"]["member_ids"]) == (
            "updated",
            sorted([people.bob.pk, people.carol.pk]),
        )
        # From the user's side (reverse): the room is still the one updated.
        await db(lambda: people.bob.rooms.remove(room))
        assert (await alice.push())["payload"]["member_ids"] == [people.carol.pk]
        await db(lambda: people.carol.rooms.clear())
        assert (await alice.push())["payload"]["member_ids"] == []
        # Adding nobody new changes nothing and pushes nothing.
        await db(lambda: room.members.add())
        assert await alice.nothing()


async def test_a_filtered_list_gets_entries_and_removals(
    people: People, clients: Callable[[str | None], Client]
) -> None:
    async with clients("carol") as carol:
        await carol.subscribe("rooms:public")
        room = await db(lambda: Room.objects.create(name="secret", owner=people.alice))

        def set_public(value: bool) -> None:
            room.is_public = value
            room.save()

        await db(lambda: set_public(True))
        entered = await carol.push()
        assert entered["topic"] == "rooms:public"
        assert (entered["action"], entered["payload"]["is_public"]) == ("updated", True)
        await db(lambda: set_public(False))
        assert await carol.push() == {
            "version": 1,
            "topic": "rooms:public",
            "action": "removed",
            "payload": {"pk": room.pk},
        }
        # A private room's saves and deletion are not the list's business.
        await db(lambda: Room.objects.create(name="other-secret", owner=people.bob))
        assert await carol.nothing()
        public = await db(
            lambda: Room.objects.create(name="open", owner=people.bob, is_public=True)
        )
        # Decoded into the list's own `created` class, though RoomStream has one too.
        created = await carol.ws.receive_topic_message(PublicRooms)
        assert type(created) is PublicRooms.Created
        assert created.payload.name == "open"
        await db(public.delete)
        assert (await carol.push())["action"] == "deleted"


async def test_an_object_moving_to_another_owner_leaves_one_list_and_enters_the_other(
    people: People, clients: Callable[[str | None], Client]
) -> None:
    room = await db(lambda: Room.objects.create(name="handover", owner=people.alice))
    async with clients("alice") as alice, clients("bob") as bob:
        await alice.subscribe(f"rooms:{people.alice.pk}")
        await bob.subscribe(f"rooms:{people.bob.pk}")

        def hand_over() -> None:
            room.owner = people.bob
            room.save()

        await db(hand_over)
        assert (await alice.push())["action"] == "removed"
        entered = await bob.push()
        assert (entered["action"], entered["payload"]["owner_id"]) == ("updated", people.bob.pk)


async def test_publishing_on_the_event_loop_thread_keeps_the_order(
    people: People, clients: Callable[[str | None], Client]
) -> None:
    async with clients("alice") as alice:
        topic = f"rooms:{people.alice.pk}"
        await alice.subscribe(topic)
        for n in range(5):
            message = OwnerRooms.Removed(payload={"pk": n})
            publish_in_order([(OwnerRooms, topic, message)])
        assert [(await alice.push())["payload"]["pk"] for _ in range(5)] == [0, 1, 2, 3, 4]


async def test_a_failing_serializer_never_fails_the_save(
    people: People, clients: Callable[[str | None], Client], caplog: pytest.LogCaptureFixture
) -> None:
    class Broken(ModelTopic):
        pattern = "broken:{pk}"
        model = Room
        payload = RoomOut

        @classmethod
        def serialize(cls, instance: Any) -> Any:
            raise RuntimeError("serializer bug")

    try:
        with caplog.at_level(logging.ERROR, "chanx.channels.model_topics"):
            room = await db(lambda: Room.objects.create(name="sturdy", owner=people.alice))
        assert await db(lambda: Room.objects.filter(pk=room.pk).exists())
        assert "Broken: the save of" in caplog.text
    finally:
        Broken.disconnect_signals()
    caplog.clear()
    await db(lambda: Room.objects.create(name="sturdier", owner=people.alice))
    assert "Broken" not in caplog.text


def test_each_topic_declares_its_four_messages_for_documents_and_tests() -> None:
    assert [m.__name__ for m in RoomStream.pushes] == [
        "RoomStreamCreated",
        "RoomStreamUpdated",
        "RoomStreamDeleted",
        "RoomStreamRemoved",
    ]
    assert issubclass(RoomStream.Created, ModelCreated)
    assert issubclass(PublicRooms.Deleted, ModelDeleted)
    assert RoomStream.Created.model_fields["payload"].annotation is RoomOut
    declared = topic_outgoing_types(StreamConsumer)
    assert RoomStream.Updated in declared and PublicRooms.Removed in declared
    assert not RoomStream.moves_tracked() and PublicRooms.moves_tracked()
    assert OwnerRooms.moves_tracked()


def test_model_topic_mistakes_fail_when_the_class_is_defined() -> None:
    class Out(BaseModel):
        id: int

    with pytest.raises(HandlerDefinitionError, match=r"NoModel\.model must be the Django model"):

        class NoModel(ModelTopic):
            pattern = "nomodel:{pk}"
            payload = Out

    with pytest.raises(HandlerDefinitionError, match=r"NoPayload\.payload must be a Pydantic"):

        class NoPayload(ModelTopic):
            pattern = "nopayload:{pk}"
            model = Room

    with pytest.raises(HandlerDefinitionError, match=r"'owner', which is not a many-to-many"):

        class BadField(ModelTopic):
            pattern = "badfield:{pk}"
            model = Room
            payload = Out
            m2m_fields = ["owner"]
