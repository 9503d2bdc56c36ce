"""The generator's round trip: a live schema URL in, a typed client out, a conversation over it.

The chat example runs under uvicorn; ``python -m chanx.client generate`` reads its schema from
the ``/asyncapi/schema/`` URL, the output is held to ``mypy --strict`` and ruff, and then the
GENERATED classes (not hand-written ones) talk to the server: token authentication, a room
shared by two clients, typed requests and an error reply, the hub's topics, and a server
restart the clients ride out by themselves.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from benchmarks.servers import stop_process, wait_for_port
from chanx.client import (
    AuthenticationRefused,
    ClientState,
    ReconnectPolicy,
    ServerError,
    StateChange,
    SubscriptionRefused,
)
from tests.e2e.servers import EXAMPLE, REPO, ChatServer, chat_server, example_env
from tests.waiting import await_until

pytestmark = pytest.mark.e2e

PACKAGE = "chat_client"
FAST = ReconnectPolicy(initial=0.05, maximum=0.3)
# Generated code is held to the project's rule set, without the project's configuration.
RUFF_RULES = ["--isolated", "--no-cache", "--target-version", "py310"]
RUFF_SELECT = ["--select", "E,F,I,UP,B,SIM,RUF"]


def run(*command: str, cwd: Path) -> str:
    """Run ``python -m <command>``; fail the test with its output when it fails."""
    result = subprocess.run(
        [sys.executable, "-m", *command],
        cwd=cwd,
        env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    with chat_server(tmp_path_factory.mktemp("roundtrip-db") / "chat.sqlite3") as running:
        yield running


@pytest.fixture(scope="module")
def output(server: ChatServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder holding the package generated from the running server's schema URL."""
    root = tmp_path_factory.mktemp("roundtrip-client")
    url = f"http://127.0.0.1:{server.port}/asyncapi/schema/"
    printed = run(
        "chanx.client", "generate", "--schema", url, "--output", str(root / PACKAGE), cwd=root
    )
    assert "wrote" in printed
    return root


@pytest.fixture(scope="module")
def generated(output: Path) -> Iterator[ModuleType]:
    """The generated package, imported (and forgotten again after the module's tests)."""
    sys.path.insert(0, str(output))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(output))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def base_url(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def auth(port: int, token: str) -> dict[str, Any]:
    return {
        "headers": {"Authorization": f"Token {token}", "Origin": base_url(port)},
        "reconnect": FAST,
        "request_timeout": 10.0,
    }


async def next_of(iterator: Any, kind: type, timeout: float = 10) -> Any:
    """The next message of type ``kind`` (others before it skipped), within ``timeout``."""

    async def find() -> Any:
        async for message in iterator:
            if isinstance(message, kind):
                return message
        raise AssertionError(f"iteration ended before a {kind.__name__}")

    return await asyncio.wait_for(find(), timeout)


def test_generated_package_passes_mypy_strict_and_ruff(output: Path) -> None:
    files = sorted(p.name for p in (output / PACKAGE).iterdir() if p.suffix == ".py")
    assert {"__init__.py", "chat.py", "hub.py", "models.py"} <= set(files)
    cache = str(output.parent / f"{output.name}-mypy-cache")
    run("mypy", "--strict", "--python-version", "3.10", "--cache-dir", cache, PACKAGE, cwd=output)
    run("ruff", "check", *RUFF_RULES, *RUFF_SELECT, PACKAGE, cwd=output)
    run("ruff", "format", *RUFF_RULES, "--check", PACKAGE, cwd=output)


async def test_generated_clients_authenticate_chat_in_a_room_and_get_errors(
    server: ChatServer, generated: ModuleType
) -> None:
    m = generated
    options = auth(server.port, server.token)
    first = m.ChatClient(base_url(server.port), room="roundtrip", **options)
    second = m.ChatClient(base_url(server.port), room="roundtrip", **options)
    async with first, second:
        # Each connection joins the room's group once authenticated: wait for both.
        for client in (first, second):
            authenticated = await next_of(client, m.AuthenticationMessage)
            assert authenticated.payload.status_code == 200
        # A typed request: the reply comes back as the generated class.
        pong = await first.request_ping()
        assert isinstance(pong, m.PongMessage)
        joined = await first.request_join()
        assert joined.payload == m.RoomInfo(room="roundtrip", user="demo")
        assert (await next_of(second, m.MemberJoinedMessage)).payload.user == "demo"
        await first.send_message(m.Text(text="hello from a generated client"))
        said = await next_of(second, m.RoomMessage)
        assert said.payload == m.Said(user="demo", text="hello from a generated client")
        # An invalid frame's error reply is raised where the request was made.
        with pytest.raises(ServerError) as refused:
            await first.request(m.ChatMessage(payload=m.Text(text="")))
        assert refused.value.payload["errors"][0]["type"] == "string_too_short"
        assert first.state is ClientState.OPEN


async def test_generated_client_with_a_bad_token_stops_with_4401(
    server: ChatServer, generated: ModuleType
) -> None:
    client = generated.ChatClient(
        base_url(server.port), room="roundtrip", **auth(server.port, "not-a-token")
    )
    await client.connect()
    with pytest.raises(AuthenticationRefused) as refused:
        await next_of(client, generated.PongMessage)
    assert refused.value.code == 4401
    await client.wait_closed()
    assert client.state is ClientState.CLOSED


async def test_generated_hub_subscribes_to_room_topics_and_is_refused_staff_rooms(
    server: ChatServer, generated: ModuleType
) -> None:
    m = generated
    async with m.HubClient(base_url(server.port), **auth(server.port, server.token)) as hub:
        room = hub.room_topic(name="roundtrip-hub")
        await room.subscribe()
        await room.send(m.RoomTopicChatMessage(payload=m.Text(text="on a topic")))
        pushed = await next_of(room, m.RoomTopicRoomMessage)
        assert pushed.payload == m.Said(user="demo", text="on a topic")
        with pytest.raises(ServerError) as error:
            await room.request(m.RoomTopicChatMessage(payload=m.Text(text="")))
        assert error.value.payload["errors"][0]["type"] == "string_too_short"
        with pytest.raises(SubscriptionRefused) as refused:
            await hub.room_topic(name="staff-roundtrip").subscribe()
        assert refused.value.reason == "unauthorized"
        assert isinstance(await hub.request_ping(), m.PongMessage)


@contextmanager
def serve_on(database: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """The example again on ``port`` with the same database, so the token stays valid."""
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


async def test_generated_clients_reconnect_by_themselves_after_the_server_restarts(
    generated: ModuleType, tmp_path: Path
) -> None:
    m = generated
    changes: dict[str, list[StateChange]] = {"chat": [], "hub": []}
    database = tmp_path / "chat.sqlite3"
    loop = asyncio.get_running_loop()
    with chat_server(database) as first:
        port, options = first.port, auth(first.port, first.token)
        chat = m.ChatClient(
            base_url(port), room="restart", on_state_change=changes["chat"].append, **options
        )
        hub = m.HubClient(base_url(port), on_state_change=changes["hub"].append, **options)
        await chat.connect()
        await hub.connect()
        room = hub.room_topic(name="restart")
        await room.subscribe()
        # SIGTERM: uvicorn closes the open connections (1012) and exits.
        await loop.run_in_executor(None, stop_process, first.process)

    def entered(state: ClientState) -> bool:
        return all(any(c.state is state for c in seen) for seen in changes.values())

    async def reconnecting() -> bool:
        return entered(ClientState.RECONNECTING)

    await await_until(reconnecting, "both clients to start reconnecting", seen=lambda: changes)
    codes = {
        next(c.code for c in seen if c.state is ClientState.RECONNECTING)
        for seen in changes.values()
    }
    assert codes <= {1001, 1012}, codes
    before = {name: len(seen) for name, seen in changes.items()}

    with serve_on(database, port) as second:
        await loop.run_in_executor(None, wait_for_port, port, second, "the restarted example")

        async def reopened() -> bool:
            return all(
                any(c.state is ClientState.OPEN for c in seen[before[name] :])
                for name, seen in changes.items()
            )

        # Nobody calls connect() again: the clients come back on their own.
        await await_until(reopened, "both clients to open again", seen=lambda: changes)
        assert chat.state is ClientState.OPEN and hub.state is ClientState.OPEN
        assert isinstance(await chat.request_ping(), m.PongMessage)
        joined = await chat.request_join()
        assert joined.payload.room == "restart"
        # The hub restored its subscription before it reopened.
        assert room.subscribed
        await room.send(m.RoomTopicChatMessage(payload=m.Text(text="after the restart")))
        assert (await next_of(room, m.RoomTopicRoomMessage)).payload.text == "after the restart"
        await chat.close()
        await hub.close()
    assert [c.state for c in changes["chat"]][-2:] == [ClientState.OPEN, ClientState.CLOSED]
