"""Multiplexed connections on real uvicorn servers: across processes on Redis, and at SIGTERM.

Each connection serves three streams: ``chat`` and ``news`` join the room's group,
``admin`` is refused by its own authenticator. One shout on ``chat`` is one broadcast to
the room's group; it must reach both streams of every connection, on either process,
and nothing may ever come from ``admin`` after it was refused.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from benchmarks.servers import Server, stop_process, uvicorn

pytestmark = pytest.mark.e2e

APP = "tests.e2e.multiplex_app:application"
EXIT_WITHIN = 2.0
OPEN_AT_SIGTERM = 30
TIMEOUT = 10.0


def _url(server: Server, room: str) -> str:
    return f"ws://127.0.0.1:{server.port}/ws/multiplex/{room}/"


async def _next(ws: ClientConnection) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
    return frame


async def _open(server: Server, room: str) -> tuple[ClientConnection, list[dict[str, Any]]]:
    """Connect and read up to ``multiplex_ready``; return the socket and what came first."""
    ws = await connect(_url(server, room), compression=None)
    before = []
    while True:
        frame = await _next(ws)
        if frame.get("action") == "multiplex_ready":
            assert frame["payload"] == {
                "version": 1,
                "ready": ["chat", "news"],
                "unavailable": ["admin"],
            }
            return ws, before
        before.append(frame)


async def _send(ws: ClientConnection, key: str, action: str, payload: Any) -> None:
    message = {"action": action, "payload": payload}
    await ws.send(json.dumps({"version": 1, "consumer": key, "message": message}))


@pytest.fixture(scope="module")
def servers(redis_url: str) -> Iterator[tuple[Server, Server]]:
    """Two uvicorn processes of the multiplexed route on one Redis."""
    with uvicorn(redis_url, app=APP) as a, uvicorn(redis_url, app=APP) as b:
        yield a, b


@pytest.mark.redis
async def test_one_broadcast_reaches_two_streams_of_clients_on_both_processes(
    servers: tuple[Server, Server],
) -> None:
    a, b = servers
    room = "mux-" + uuid.uuid4().hex[:8]
    (on_a, before_a), (on_b, before_b) = await asyncio.gather(_open(a, room), _open(b, room))
    try:
        for before in (before_a, before_b):
            assert before == [
                {
                    "version": 1,
                    "consumer": "admin",
                    "message": {
                        "action": "authentication",
                        "payload": {
                            "status_code": 403,
                            "status_text": "Forbidden",
                            "data": {"detail": "Admins only."},
                        },
                    },
                },
                {
                    "action": "error",
                    "payload": {
                        "detail": "Consumer 'admin' closed the connection",
                        "errors": None,
                        "consumer": "admin",
                    },
                },
            ]
        await _send(on_b, "chat", "shout", {"text": "from process B"})
        for ws in (on_a, on_b):
            got = [await _next(ws), await _next(ws)]
            assert sorted(frame["consumer"] for frame in got) == ["chat", "news"]
            for frame in got:
                assert frame["message"] == {
                    "action": "shout_notice",
                    "payload": {"text": "from process B"},
                }
        # The refused stream stays closed; the others keep answering, each in order.
        await _send(on_a, "admin", "echo", {"text": "let me in"})
        assert await _next(on_a) == {
            "action": "error",
            "payload": {
                "detail": "Consumer 'admin' is unavailable",
                "errors": None,
                "consumer": "admin",
            },
        }
        for n in range(5):
            await _send(on_a, "chat", "echo", {"text": f"e{n}"})
        replies = [await _next(on_a) for _ in range(5)]
        assert [frame["message"]["payload"]["text"] for frame in replies] == [
            f"e{n}" for n in range(5)
        ]
    finally:
        await on_a.close()
        await on_b.close()
    assert a.process.poll() is None and b.process.poll() is None


def _leftovers(server: Server) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/diagnostics/", timeout=5) as r:
        state: dict[str, Any] = json.loads(r.read())
    tasks = {
        name: count
        for name, count in state["tasks"].items()
        if not name.startswith(("Server.", "LifespanOn.", "RedisSingleShardConnection."))
    }
    return {"connections": state["connections"], "tasks": tasks}


async def _until_nothing_left(server: Server) -> None:
    deadline = time.monotonic() + 15
    while (left := await asyncio.to_thread(_leftovers, server)) != {"connections": 0, "tasks": {}}:
        assert time.monotonic() < deadline, f"left after every client closed: {left}"
        await asyncio.sleep(0.05)


async def _close_code(ws: ClientConnection) -> int | None:
    try:
        await asyncio.wait_for(ws.wait_closed(), 5)
    except asyncio.TimeoutError:
        return -1
    return ws.close_code


@pytest.mark.redis
def test_sigterm_with_multiplexed_connections_open_exits_promptly(
    redis_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async def scenario(server: Server) -> tuple[float | None, Counter[int | None]]:
        # Clients that leave take every sub-consumer's task with them.
        for ws, _ in [await _open(server, f"churn{n % 3}") for n in range(10)]:
            await ws.close()
        await _until_nothing_left(server)
        clients = [(await _open(server, f"open{n % 3}"))[0] for n in range(OPEN_AT_SIGTERM)]
        await _send(clients[0], "chat", "shout", {"text": "last words"})
        assert (await _next(clients[0]))["message"]["action"] == "shout_notice"
        stopped = await asyncio.to_thread(stop_process, server.process)
        codes = Counter(await asyncio.gather(*(_close_code(ws) for ws in clients)))
        return stopped, codes

    with uvicorn(redis_url, app=APP) as server:
        stopped, codes = asyncio.run(scenario(server))
        log = server.log()
    with capsys.disabled():
        shown = f"{stopped:.2f} s" if stopped is not None else "not within 10 s"
        print(f"\nmultiplexed shutdown: exit {shown} after SIGTERM; close codes {dict(codes)}")
    assert stopped is not None and stopped < EXIT_WITHIN, (stopped, log[-3000:])
    assert server.process.returncode in (0, -signal.SIGTERM), log[-3000:]
    assert set(codes) <= {1001, 1012}, (codes, log[-3000:])
    assert sum(codes.values()) == OPEN_AT_SIGTERM
    assert "Traceback" not in log, log[-3000:]
