"""SIGTERM stops a real uvicorn promptly, on every layer, after churn and under open clients.

The workload of issue 12: 1,000 connections come in waves of 50, echo 5 times and leave
(one wave in five to a hand-written Channels consumer on the same layer);
then, on a healthy Redis, nothing of them may be left: no task, no served connection, no
blocked ``BZPOPMIN`` (core layer) or subscription (pub/sub layer), no "unreachable" line.
Then 100 clients connect and stay, the server gets SIGTERM, and it must exit within 2 s
with every client receiving a close frame (1012 from uvicorn, or 1001 from chanx's
runtime), not a dropped socket.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from benchmarks.servers import Server, stop_process, uvicorn
from tests.redis_server import RedisProcess, redis_process

pytestmark = pytest.mark.e2e

CHURNED = 1000
WAVE = 50
ECHOES = 5
OPEN_AT_SIGTERM = 100
EXIT_WITHIN = 2.0
SETTLE_TIMEOUT = 15.0
"""Generous bound for the server to notice that clients left (polled, never slept)."""

LAYERS = ["in-memory", "redis", "redis-pubsub"]


@pytest.fixture(params=LAYERS)
def layer(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """The layer name and, for Redis layers, the private redis-server it runs on."""
    if request.param == "in-memory":
        yield request.param, None
        return
    (tmp_path / "redis").mkdir()
    with redis_process(tmp_path / "redis") as redis:
        yield request.param, redis


def _serve(name: str, redis: RedisProcess | None) -> Any:
    if redis is None:
        return uvicorn()
    return uvicorn(redis.url, redis_layer="pubsub" if name == "redis-pubsub" else "core")


def _diagnostics(server: Server) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/diagnostics/", timeout=5) as r:
        answer: dict[str, Any] = json.loads(r.read())
        return answer


def _leftovers(server: Server) -> dict[str, Any]:
    """What the server still runs for connections: served ones, and their tasks."""
    state = _diagnostics(server)
    tasks = {
        name: count
        for name, count in state["tasks"].items()
        # uvicorn's own server and lifespan tasks are not a connection's, and neither is
        # the pub/sub layer's one reader per event loop (its connection pool, in effect),
        # which chanx's runtime stops at shutdown.
        if not name.startswith(("Server.", "LifespanOn.", "RedisSingleShardConnection."))
    }
    return {"connections": state["connections"], "tasks": tasks}


async def _redis_leftovers(server: RedisProcess) -> dict[str, int]:
    """Blocked BZPOPMIN clients and live pub/sub subscriptions on the test's Redis."""
    from redis.asyncio import from_url

    client = from_url(server.url)
    try:
        clients = await client.client_list()
        blocked = sum(
            1 for c in clients if c.get("cmd") == "bzpopmin" and "b" in c.get("flags", "")
        )
        channels = await client.pubsub_channels()
        return {"blocked_bzpopmin": blocked, "subscribed_channels": len(channels)}
    finally:
        await client.aclose()


async def _echo_and_leave(url: str) -> None:
    async with connect(url, compression=None) as ws:
        for n in range(ECHOES):
            await ws.send(json.dumps({"action": "echo", "payload": {"text": f"e{n}"}}))
            reply = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert reply["action"] == "echo_reply", reply


async def _churn(server: Server) -> None:
    """Waves of chanx clients, and one in five of a hand-written Channels consumer's.

    The hand-written ones share the layer: their receives must not outlive them either
    (on Python 3.11 redis-py can lose their cancellation; chanx's Redis adapter makes
    the layer's receive cancel reliably).
    """
    for wave in range(CHURNED // WAVE):
        room = f"churn{wave % 5}"
        url = server.url(room)
        if wave % 5 == 4:
            url = f"ws://127.0.0.1:{server.port}/ws/raw/{room}/"
        await asyncio.gather(*(_echo_and_leave(url) for _ in range(WAVE)))


async def _until(probe: Any, done: Any, what: str) -> Any:
    """Poll ``probe`` until ``done(result)``; fail naming ``what`` and the last result."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while True:
        result = await probe()
        if done(result):
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached in {SETTLE_TIMEOUT:g} s: {result}")
        await asyncio.sleep(0.05)


async def _open_clients(server: Server) -> list[ClientConnection]:
    clients = []
    for n in range(OPEN_AT_SIGTERM):
        ws = await connect(server.url(f"open{n % 4}"), compression=None)
        await ws.send(json.dumps({"action": "echo", "payload": {"text": "hi"}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["action"] == "echo_reply"
        clients.append(ws)
    return clients


async def _close_code(ws: ClientConnection) -> int | None:
    try:
        await asyncio.wait_for(ws.wait_closed(), 5)
    except asyncio.TimeoutError:
        return -1  # still open: neither closed nor dropped
    return ws.close_code


def test_churn_leaves_nothing_and_sigterm_stops_the_server_within_2s(
    layer: tuple[str, RedisProcess | None], capsys: pytest.CaptureFixture[str]
) -> None:
    name, redis = layer

    settled: dict[str, float] = {}

    async def scenario(server: Server) -> tuple[float | None, Counter[int | None]]:
        await _churn(server)
        left_at = time.monotonic()
        left = await _until(
            lambda: asyncio.to_thread(_leftovers, server),
            lambda state: state == {"connections": 0, "tasks": {}},
            "no connection and no task left after the churn",
        )
        assert left == {"connections": 0, "tasks": {}}
        settled["server"] = time.monotonic() - left_at
        if redis is not None:
            await _until(
                lambda: _redis_leftovers(redis),
                lambda found: found == {"blocked_bzpopmin": 0, "subscribed_channels": 0},
                "no blocked BZPOPMIN and no subscription left in Redis",
            )
            settled["redis"] = time.monotonic() - left_at
        clients = await _open_clients(server)
        stopped = await asyncio.to_thread(stop_process, server.process)
        codes = Counter(await asyncio.gather(*(_close_code(ws) for ws in clients)))
        return stopped, codes

    with _serve(name, redis) as server:
        stopped, codes = asyncio.run(scenario(server))
        log = server.log()
    with capsys.disabled():
        shown = f"{stopped:.2f} s" if stopped is not None else "not within 10 s"
        clean = ", ".join(f"{what} clean {after:.2f} s" for what, after in settled.items())
        print(
            f"\nshutdown, {name}: after the churn {clean}; "
            f"exit {shown} after SIGTERM; close codes {dict(codes)}"
        )
    assert stopped is not None and stopped < EXIT_WITHIN, (stopped, log[-3000:])
    assert server.process.returncode in (0, -signal.SIGTERM), log[-3000:]
    assert set(codes) <= {1001, 1012}, (codes, log[-3000:])
    assert sum(codes.values()) == OPEN_AT_SIGTERM
    assert "unreachable" not in log, log[-3000:]
    assert "Traceback" not in log, log[-3000:]
