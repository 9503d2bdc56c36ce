"""Two uvicorn processes of the chat example sharing one Redis: one chat across processes."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.clients import open_chat, receive, send
from tests.e2e.servers import ChatServer, chat_server, manage

pytestmark = [pytest.mark.e2e, pytest.mark.redis]


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("distributed") / "chat.sqlite3"


@pytest.fixture(scope="module")
def servers(database: Path, redis_url: str) -> Iterator[tuple[ChatServer, ChatServer]]:
    """Processes A and B on one SQLite file (same users and tokens) and one Redis.

    A starts first: it migrates and creates the users that B then finds.
    """
    with chat_server(database, redis_url) as a, chat_server(database, redis_url) as b:
        assert a.token == b.token
        yield a, b


def _room() -> str:
    return "dist-" + uuid.uuid4().hex[:8]


async def test_message_said_on_process_b_reaches_client_on_process_a(
    servers: tuple[ChatServer, ChatServer],
) -> None:
    a, b = servers
    room = _room()
    on_b = await open_chat(b, room)
    on_a = await open_chat(a, room, join=False)
    try:
        # A joins after B is in the room: B hears about it across processes.
        await send(on_a, "join")
        assert (await receive(on_a, "joined"))["payload"] == {"room": room, "user": "demo"}
        assert (await receive(on_b, "member_joined"))["payload"] == {"user": "demo"}

        await send(on_b, "message", {"text": "from process B"})
        for ws in (on_a, on_b):
            said = await receive(ws, "room_message")
            assert said["payload"] == {"user": "demo", "text": "from process B"}

        await send(on_a, "typing", {"typing": True})
        assert (await receive(on_b, "typing_notice"))["payload"] == {"user": "demo", "typing": True}
    finally:
        await on_a.close()
        await on_b.close()
    assert a.alive and b.alive


async def test_announcement_from_management_command_reaches_clients_on_both_processes(
    servers: tuple[ChatServer, ChatServer], database: Path, redis_url: str
) -> None:
    a, b = servers
    room = _room()
    clients = [await open_chat(server, room) for server in (a, b, a, b)]
    try:
        out = await asyncio.to_thread(
            manage, database, "announce", room, "maintenance at noon", redis_url=redis_url
        )
        assert f"announced to {room}" in out
        for ws in clients:
            frame = await receive(ws, "announcement_message")
            assert frame["payload"] == {"text": "maintenance at noon"}
    finally:
        for ws in clients:
            await ws.close()
