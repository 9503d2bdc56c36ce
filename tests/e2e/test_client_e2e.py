"""chanx-client's runtime against the chat example served by uvicorn.

The clients are written by hand in the shape generated ones have (``address``, an
``incoming`` adapter over the server's messages), so these tests need no generator.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import pytest
from pydantic import BaseModel, Field, TypeAdapter

from benchmarks.servers import stop_process, wait_for_port
from chanx.client import (
    AuthenticationRefused,
    ChanxClient,
    ClientState,
    ReconnectPolicy,
    ServerError,
    StateChange,
    SubscriptionRefused,
)
from tests.e2e.servers import EXAMPLE, REPO, ChatServer, chat_server, example_env
from tests.waiting import await_until

pytestmark = pytest.mark.e2e


class Text(BaseModel):
    text: str


class Ping(BaseModel):
    action: Literal["ping"] = "ping"
    payload: None = None


class Join(BaseModel):
    action: Literal["join"] = "join"
    payload: None = None


class Say(BaseModel):
    action: Literal["message"] = "message"
    payload: Text


class Authentication(BaseModel):
    action: Literal["authentication"] = "authentication"
    payload: dict[str, Any]


class Pong(BaseModel):
    action: Literal["pong"] = "pong"
    payload: None = None


class RoomInfo(BaseModel):
    room: str
    user: str


class Joined(BaseModel):
    action: Literal["joined"] = "joined"
    payload: RoomInfo


class SaidPayload(BaseModel):
    user: str
    text: str


class RoomMessage(BaseModel):
    action: Literal["room_message"] = "room_message"
    payload: SaidPayload


class Error(BaseModel):
    action: Literal["error"] = "error"
    payload: dict[str, Any]


ChatIncoming = Annotated[
    Authentication | Pong | Joined | RoomMessage | Error, Field(discriminator="action")
]
ChatOutgoing = Ping | Join | Say
RoomIncoming = Annotated[RoomMessage | Error, Field(discriminator="action")]
ROOM: TypeAdapter[RoomIncoming] = TypeAdapter(RoomIncoming)


class ChatClient(ChanxClient[ChatIncoming, ChatOutgoing]):
    address: ClassVar[str] = "/ws/chat/{room}/"
    incoming: ClassVar[TypeAdapter[Any]] = TypeAdapter(ChatIncoming)


class HubClient(ChanxClient[ChatIncoming, Ping]):
    address: ClassVar[str] = "/ws/hub/"
    incoming: ClassVar[TypeAdapter[Any]] = TypeAdapter(ChatIncoming)


FAST = ReconnectPolicy(initial=0.1, maximum=0.5)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    with chat_server(tmp_path_factory.mktemp("chat") / "chat.sqlite3") as running:
        yield running


def options(server: ChatServer, token: str | None = None) -> dict[str, Any]:
    return {
        "headers": {"Authorization": f"Token {token or server.token}", "Origin": server.origin},
        "reconnect": FAST,
    }


def base_url(server: ChatServer) -> str:
    return f"http://127.0.0.1:{server.port}"


async def next_of(iterator: Any, kind: type, timeout: float = 10) -> Any:
    """The next message of type ``kind``; others before it are skipped."""

    async def find() -> Any:
        async for message in iterator:
            if isinstance(message, kind):
                return message
        raise AssertionError(f"iteration ended before a {kind.__name__}")

    return await asyncio.wait_for(find(), timeout)


def leftover_tasks() -> set[asyncio.Task[Any]]:
    return {t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()}


async def test_token_client_joins_chats_and_gets_typed_replies(server: ChatServer) -> None:
    client = ChatClient(base_url(server), path_params={"room": "client-e2e"}, **options(server))
    async with client:
        auth = await next_of(client, Authentication)
        assert auth.payload["status_code"] == 200
        joined = await client.request(Join(), expect=Joined)
        assert joined.payload == RoomInfo(room="client-e2e", user="demo")
        assert isinstance(await client.request(Ping()), Pong)
        await client.send(Say(payload=Text(text="hello from chanx-client")))
        said = await next_of(client, RoomMessage)
        assert said.payload == SaidPayload(user="demo", text="hello from chanx-client")


async def test_invalid_frame_gets_an_error_reply_raised_as_server_error(server: ChatServer) -> None:
    async with ChatClient(
        base_url(server), path_params={"room": "lobby"}, **options(server)
    ) as client:
        with pytest.raises(ServerError) as info:
            await client.request(Say(payload=Text(text="")))
        assert info.value.payload["errors"][0]["type"] == "string_too_short"
        # Without a request, the same error comes through the iterator.
        await client.send(Say(payload=Text(text="")))
        error = await next_of(client, Error)
        assert error.payload["errors"][0]["type"] == "string_too_short"


async def test_bad_token_is_refused_with_4401_and_no_task_is_left(server: ChatServer) -> None:
    baseline = leftover_tasks()
    changes: list[StateChange] = []
    client = ChatClient(
        base_url(server),
        path_params={"room": "lobby"},
        on_state_change=changes.append,
        **options(server, token="not-a-token"),
    )
    await client.connect()
    auth = await next_of(client, Authentication)
    assert auth.payload["status_code"] == 401
    with pytest.raises(AuthenticationRefused) as info:
        await next_of(client, Pong)
    assert info.value.code == 4401
    await client.wait_closed()
    assert client.state is ClientState.CLOSED
    assert not [c for c in changes if c.state is ClientState.RECONNECTING]
    assert leftover_tasks() == baseline


async def test_foreign_origin_handshake_is_refused_at_connect(server: ChatServer) -> None:
    client = ChatClient(
        base_url(server),
        path_params={"room": "lobby"},
        headers={"Authorization": f"Token {server.token}", "Origin": "http://evil.example"},
    )
    with pytest.raises(AuthenticationRefused) as info:
        await client.connect()
    assert info.value.code == 4403


async def test_hub_topics_and_ref_correlation(server: ChatServer) -> None:
    async with HubClient(base_url(server), **options(server)) as client:
        assert isinstance(await client.request(Ping()), Pong)
        room = client.topic("room:client-hub", ROOM)
        await room.subscribe()
        await room.send(Say(payload=Text(text="on a topic")))
        said = await next_of(room, RoomMessage)
        assert said.payload.text == "on a topic"
        with pytest.raises(ServerError) as error:
            await room.request(Say(payload=Text(text="")))
        assert error.value.payload["errors"][0]["type"] == "string_too_short"
        with pytest.raises(SubscriptionRefused) as refused:
            await client.topic("room:staff-only").subscribe()
        assert refused.value.reason == "unauthorized"
        with pytest.raises(SubscriptionRefused) as unknown:
            await client.topic("nowhere:1").subscribe()
        assert unknown.value.reason == "unknown_topic"
        await room.unsubscribe()
        assert [m async for m in room] == []


@contextmanager
def serve_on(database: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """The example again, on ``port``, with the same database (the token stays valid)."""
    process = subprocess.Popen(
        [sys.executable, str(EXAMPLE / "serve.py"), "--port", str(port)],
        cwd=REPO,
        env=example_env(database),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        stop_process(process)


async def test_clients_reconnect_by_themselves_after_the_server_restarts(tmp_path: Path) -> None:
    database = tmp_path / "chat.sqlite3"
    loop = asyncio.get_running_loop()
    chat_changes: list[StateChange] = []
    hub_changes: list[StateChange] = []
    with chat_server(database) as first:
        chat = ChatClient(
            base_url(first),
            path_params={"room": "restart"},
            on_state_change=chat_changes.append,
            **options(first),
        )
        hub = HubClient(base_url(first), on_state_change=hub_changes.append, **options(first))
        await chat.connect()
        await hub.connect()
        room = hub.topic("room:restart", ROOM)
        await room.subscribe()
        port, token = first.port, first.token
        # SIGTERM: uvicorn closes the open connections (1012) and exits.
        await loop.run_in_executor(None, stop_process, first.process)

    async def reconnecting() -> bool:
        return all(
            any(c.state is ClientState.RECONNECTING for c in changes)
            for changes in (chat_changes, hub_changes)
        )

    await await_until(reconnecting, "both clients to start reconnecting")
    first_codes = {
        next(c.code for c in changes if c.state is ClientState.RECONNECTING)
        for changes in (chat_changes, hub_changes)
    }
    assert first_codes <= {1012, 1001}, first_codes

    with serve_on(database, port) as second:
        await loop.run_in_executor(None, wait_for_port, port, second, "the restarted example")
        assert isinstance(await chat.request(Ping(), timeout=20), Pong)
        assert chat.state is ClientState.OPEN
        await chat.request(Join(), expect=Joined, timeout=20)
        await chat.send(Say(payload=Text(text="after the restart")))
        said = await next_of(chat, RoomMessage, timeout=20)
        assert said.payload.text == "after the restart"
        # The hub restored its subscription before it opened again.
        assert isinstance(await hub.request(Ping(), timeout=20), Pong)
        assert room.subscribed
        await room.send(Say(payload=Text(text="topic after the restart")))
        assert (await next_of(room, RoomMessage, timeout=20)).payload.user == "demo"
        await chat.close()
        await hub.close()
    assert token
    assert [c.state for c in chat_changes][-2:] == [ClientState.OPEN, ClientState.CLOSED]
    assert leftover_tasks() == set()
