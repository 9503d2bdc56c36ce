"""A generated client of a multiplexed route, against the test project's demultiplexer on uvicorn.

The package is generated from the AsyncAPI document of ``ProjectDemultiplexer`` (``chat`` and
``news`` streams that join the room's group, an ``admin`` stream its own authenticator
refuses): the demultiplexer's client has one stream object per key, sharing one socket.
"""

from __future__ import annotations

import asyncio
import importlib
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from benchmarks.servers import Server, uvicorn
from chanx.asyncapi.generator import WebSocketRoute, generate_document
from chanx.client import ClientClosed, ClientState, MultiplexReady, ServerError
from chanx.client.document import validate_document
from chanx.client.model import build_api
from chanx.client.python_generator import generate
from tests.project.multiplex import ProjectDemultiplexer

pytestmark = pytest.mark.e2e

APP = "tests.e2e.multiplex_app:application"
PACKAGE = "mux_client"


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with uvicorn(app=APP) as running:
        yield running


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    routes = [WebSocketRoute("/ws/multiplex/{room}/", ProjectDemultiplexer)]
    api = build_api(validate_document(generate_document(routes).to_dict()))
    root = tmp_path_factory.mktemp("mux-client")
    generate(api, root / PACKAGE)
    return root


@pytest.fixture(scope="module")
def generated(output: Path) -> Iterator[ModuleType]:
    root = output
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]


async def next_of(iterator: Any, kind: type, timeout: float = 10) -> Any:
    async def find() -> Any:
        async for message in iterator:
            if isinstance(message, kind):
                return message
        raise AssertionError(f"iteration ended before a {kind.__name__}")

    return await asyncio.wait_for(find(), timeout)


@pytest.mark.parametrize(
    "command",
    [
        ("mypy", "--strict", "--python-version", "3.10", PACKAGE),
        ("ruff", "check", "--isolated", "--no-cache", "--select", "E,F,I,UP,B,SIM,RUF", PACKAGE),
        ("ruff", "format", "--isolated", "--no-cache", "--check", PACKAGE),
    ],
    ids=["mypy", "ruff-check", "ruff-format"],
)
def test_generated_multiplexed_package_is_type_and_lint_clean(
    output: Path, command: tuple[str, ...], tmp_path: Path
) -> None:
    extra = ("--cache-dir", str(tmp_path / "cache")) if command[0] == "mypy" else ()
    result = subprocess.run(
        [sys.executable, "-m", *command, *extra],
        cwd=output,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_generated_demultiplexer_client_has_one_stream_class_per_key(
    generated: ModuleType,
) -> None:
    client_class = generated.ProjectDemultiplexerClient
    assert [stream.key for stream in client_class.streams] == ["chat", "news", "admin"]
    assert client_class.multiplexing.consumer_field == "consumer"
    client = client_class("ws://127.0.0.1:9", room="r")
    assert isinstance(client.chat, generated.ProjectDemultiplexerChatStream)
    assert client.chat is client.chat
    assert client.chat.available is None  # no multiplex_ready yet


async def test_streams_share_one_socket_with_wrapped_frames_and_replies(
    server: Server, generated: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    m = generated
    room = "mux-" + uuid.uuid4().hex[:8]
    async with m.ProjectDemultiplexerClient(
        f"ws://127.0.0.1:{server.port}", room=room, compression=None
    ) as client:
        # connect() returned after the handshake: the usable streams are known.
        assert client.ready == MultiplexReady(ready=("chat", "news"), unavailable=("admin",))
        assert client.chat.available and not client.admin.available
        # The demultiplexer's own handler, unwrapped.
        assert isinstance(await client.request_ping(), m.PongMessage)
        # A stream's request: the ref travels inside the inner message and comes back there.
        echoed = await client.chat.request_echo(m.TextPayload(text="hi"))
        assert echoed == m.EchoReply(payload=m.TextPayload(text="hi"))
        who = await client.news.request_whoami()
        assert who.payload["user"] == "anonymous"
        # One broadcast to the room's group reaches both streams of the connection.
        await client.chat.send_shout(m.TextPayload(text="to everyone"))
        for stream in (client.chat, client.news):
            notice = await next_of(stream, m.ShoutNotice)
            assert notice.payload.text == "to everyone"
        # A sub-consumer's error comes back enveloped, to the request that caused it.
        with pytest.raises(ServerError):
            await client.chat.request(m.CrashMessage())
        # Streams answer concurrently and independently.
        slow, quick = await asyncio.gather(
            client.chat.request_slow(0.2), client.news.request_echo(m.TextPayload(text="q"))
        )
        assert slow.payload.text == "slept 0.2" and quick.payload.text == "q"
        # The stream multiplex_ready listed as unavailable is refused locally.
        with pytest.raises(ClientClosed, match="admin"):
            await client.admin.send_echo(m.TextPayload(text="x"))
    assert client.state is ClientState.CLOSED
    assert [m async for m in client.chat] == []
