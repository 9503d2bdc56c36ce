"""Authentication sees the rows a test created, in every usual way of writing Django tests.

Django's ``TestCase`` and pytest-django's ``django_db`` (without ``transaction=True``) keep
each test inside a transaction that is rolled back afterwards; the other styles commit.
Each style below creates a token, a room and its members the usual way for that style,
then connects to a route whose authenticator looks up the token (401 if it cannot see
it), the room (404) and the membership (403). The last test pins down the rule behind it:
the work runs on the thread-sensitive thread only inside a test's transaction (or when the
authenticator asks for it), so outside one a slow authentication still holds up no other.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.db import connection
from django.test import TestCase
from rest_framework.authentication import BaseAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.request import Request

from chanx.drf import DjangoAuthenticator
from chanx.messages.outgoing import AuthenticationPayload
from chanx.testing import DjangoWebsocketCommunicator, WebsocketTestCase
from chanx.testing.routing import find_consumer
from tests.drf.consumers import application
from tests.project.messages import WhoAmIMessage, WhoAmIReply
from tests.project.models import Room

ROOM_PATH = "/ws/rooms/general/"


def create_room_and_tokens() -> dict[str, str]:
    """Users alice (owner of "general"), bob (member) and carol (no room); their tokens."""
    users = {name: User.objects.create_user(name) for name in ("alice", "bob", "carol")}
    room = Room.objects.create(name="general", owner=users["alice"])
    room.members.add(users["bob"])
    return {name: Token.objects.create(user=user).key for name, user in users.items()}


def token_header(key: str) -> list[tuple[bytes, bytes]]:
    return [(b"authorization", f"Token {key}".encode())]


def communicator(headers: list[tuple[bytes, bytes]]) -> DjangoWebsocketCommunicator:
    consumer = find_consumer(application, ROOM_PATH)
    assert consumer is not None
    return DjangoWebsocketCommunicator(application, ROOM_PATH, headers=headers, consumer=consumer)


async def assert_member_is_admitted_to_the_room(ws: DjangoWebsocketCommunicator) -> None:
    await ws.connect()
    await ws.assert_authenticated_status_ok()
    await ws.send_message(WhoAmIMessage())
    assert await ws.receive_all_messages() == [
        WhoAmIReply(payload={"user": "bob", "authenticator_user": "bob", "obj": "general"})
    ]


async def assert_non_member_is_refused_with_403(ws: DjangoWebsocketCommunicator) -> None:
    # 403 (not 401 or 404): the token and the room were found, the membership was checked.
    await ws.connect()
    message = await ws.assert_refused(403)
    assert message is not None
    assert message.payload == AuthenticationPayload(
        status_code=403,
        status_text="Forbidden",
        data={"detail": "You are not allowed in this room."},
    )


class RoomInDjangoTestCase(TestCase):
    """Rows from ``setUpTestData``, inside the transaction Django rolls back after each test."""

    tokens: dict[str, str]

    @classmethod
    def setUpTestData(cls) -> None:
        cls.tokens = create_room_and_tokens()

    async def test_member_is_admitted_with_rows_of_the_test_transaction(self) -> None:
        ws = communicator(token_header(self.tokens["bob"]))
        try:
            await assert_member_is_admitted_to_the_room(ws)
        finally:
            await ws.shutdown()

    async def test_non_member_is_refused_by_the_object_permission(self) -> None:
        ws = communicator(token_header(self.tokens["carol"]))
        try:
            await assert_non_member_is_refused_with_403(ws)
        finally:
            await ws.shutdown()


class RoomInWebsocketTestCase(WebsocketTestCase):
    """chanx's own test case (a ``TransactionTestCase``): rows committed in ``setUp``."""

    router = application
    ws_path = ROOM_PATH

    def setUp(self) -> None:
        self.tokens = create_room_and_tokens()
        super().setUp()

    def get_ws_headers(self) -> list[tuple[bytes, bytes]]:
        return token_header(self.tokens["bob"])

    async def test_member_is_admitted_with_rows_committed_by_the_test(self) -> None:
        await assert_member_is_admitted_to_the_room(self.auth_communicator)

    async def test_non_member_is_refused_by_the_object_permission(self) -> None:
        ws = self.create_communicator(headers=token_header(self.tokens["carol"]))
        await assert_non_member_is_refused_with_403(ws)


@pytest.fixture
def tokens_in_transaction(db: None) -> dict[str, str]:
    return create_room_and_tokens()


@pytest.fixture
def committed_tokens(transactional_db: None) -> dict[str, str]:
    return create_room_and_tokens()


async def test_member_is_admitted_with_rows_of_a_django_db_test_transaction(
    tokens_in_transaction: dict[str, str],
) -> None:
    ws = communicator(token_header(tokens_in_transaction["bob"]))
    try:
        await assert_member_is_admitted_to_the_room(ws)
    finally:
        await ws.shutdown()


async def test_non_member_is_refused_by_the_object_permission_in_a_django_db_test(
    tokens_in_transaction: dict[str, str],
) -> None:
    ws = communicator(token_header(tokens_in_transaction["carol"]))
    try:
        await assert_non_member_is_refused_with_403(ws)
    finally:
        await ws.shutdown()


async def test_member_is_admitted_with_rows_of_a_transactional_django_db_test(
    committed_tokens: dict[str, str],
) -> None:
    ws = communicator(token_header(committed_tokens["bob"]))
    try:
        await assert_member_is_admitted_to_the_room(ws)
    finally:
        await ws.shutdown()


async def test_non_member_is_refused_by_the_object_permission_in_a_transactional_test(
    committed_tokens: dict[str, str],
) -> None:
    ws = communicator(token_header(committed_tokens["carol"]))
    try:
        await assert_non_member_is_refused_with_403(ws)
    finally:
        await ws.shutdown()


class ThreadRecorder(BaseAuthentication):
    """Notes the thread DRF runs in and leaves the request anonymous."""

    threads: ClassVar[list[int]] = []

    def authenticate(self, request: Request) -> None:
        type(self).threads.append(threading.get_ident())


async def _ignore(message: object) -> None:
    return None


@pytest.fixture
def connection_given_back() -> Iterator[None]:
    yield
    # Back in the test's own thread: its connection is no longer lent to another one.
    assert not connection.allow_thread_sharing


IN_TRANSACTION = pytest.mark.django_db
COMMITTED = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("thread_sensitive", "on_shared_thread"),
    [
        pytest.param(None, True, marks=IN_TRANSACTION, id="test-transaction"),
        pytest.param(None, False, marks=COMMITTED, id="committed"),
        pytest.param(False, False, marks=IN_TRANSACTION, id="forced-own-thread"),
        pytest.param(True, True, marks=COMMITTED, id="forced-shared-thread"),
    ],
)
async def test_work_runs_on_the_shared_thread_only_inside_a_test_transaction_or_when_asked(
    thread_sensitive: bool | None, on_shared_thread: bool, connection_given_back: None
) -> None:
    ThreadRecorder.threads.clear()
    authenticator = DjangoAuthenticator(send_message=_ignore)
    authenticator.authentication_classes = [ThreadRecorder]
    authenticator.permission_classes = []
    authenticator.thread_sensitive = thread_sensitive
    scope: dict[str, Any] = {"type": "websocket", "path": "/ws/", "headers": []}
    assert await authenticator.authenticate(scope), authenticator.outcome
    shared_thread = await sync_to_async(threading.get_ident)()
    [thread] = ThreadRecorder.threads
    assert thread != threading.get_ident()  # never the event loop's
    assert (thread == shared_thread) is on_shared_thread
