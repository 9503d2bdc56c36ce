"""Topics on real uvicorn servers sharing a real Redis (channels_redis's core layer).

The test project's ``HubConsumer`` (``/ws/hub/``) mounts ``room:{pk}``, ``doc:{slug}`` and
``presence:{room}`` with at most 5 subscriptions per connection. Group membership is read
straight from Redis: channels_redis keeps each group as a sorted set of channel names
under ``asgi:group:<group>``, so a member nobody discarded is there to count.
"""

from __future__ import annotations

import asyncio
import json
import signal
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from benchmarks.servers import Server, stop_process, uvicorn
from tests.redis_server import redis_process
from tests.waiting import await_until

pytestmark = [pytest.mark.e2e, pytest.mark.redis]

APP = "tests.e2e.topics_app:application"
GROUP_KEYS = "asgi:group:*"
"""channels_redis's group keys (its default prefix ``asgi``)."""

CYCLES = 1000
WAVE = 50
OPEN_AT_SIGTERM = 30
EXIT_WITHIN = 2.0
TIMEOUT = 10.0
SETTLE = 15.0
"""Bound for the servers to leave the groups of clients that went away (polled)."""


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis of this module's own: the member counts must see only these tests' groups."""
    with redis_process(tmp_path_factory.mktemp("topics-redis")) as server:
        yield server.url


@pytest.fixture(scope="module")
def servers(redis_url: str) -> Iterator[tuple[Server, Server]]:
    """Two uvicorn processes serving the hub on one Redis."""
    with uvicorn(redis_url, app=APP) as a, uvicorn(redis_url, app=APP) as b:
        yield a, b


@pytest.fixture
async def members(redis_url: str) -> AsyncIterator[Any]:
    """``await members()``: members of every non-empty group in Redis, by group key."""
    from redis.asyncio import from_url

    client = from_url(redis_url)

    async def count() -> dict[str, int]:
        found = {}
        async for key in client.scan_iter(match=GROUP_KEYS, count=1000):
            size = await client.zcard(key)
            if size:
                found[key.decode()] = size
        return found

    try:
        yield count
    finally:
        await client.aclose()


async def _no_members(members: Any) -> dict[str, int]:
    """Poll until Redis holds no group member; return what it holds then (``{}``)."""
    await await_until(
        lambda: _empty(members), "every group left in Redis", timeout=SETTLE, seen=None
    )
    found: dict[str, int] = await members()
    return found


async def _empty(members: Any) -> bool:
    return not await members()


def _url(server: Server) -> str:
    return f"ws://127.0.0.1:{server.port}/ws/hub/"


def _publish(server: Server, topic: str, text: str) -> None:
    query = urllib.parse.urlencode({"topic": topic, "text": text})
    url = f"http://127.0.0.1:{server.port}/publish/?{query}"
    with urllib.request.urlopen(url, timeout=TIMEOUT) as answer:
        assert json.loads(answer.read()) == {"published": topic}


async def _next(ws: ClientConnection) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
    return frame


async def _request(
    ws: ClientConnection, action: str, topic: str, ref: str, payload: Any = None
) -> dict[str, Any]:
    """Send a frame on ``topic`` and return its reply (the frame carrying ``ref``);
    pushes that arrive first (a presence welcome) are skipped."""
    frame: dict[str, Any] = {"version": 1, "topic": topic, "ref": ref, "action": action}
    if payload is not None:
        frame["payload"] = payload
    await ws.send(json.dumps(frame))
    while True:
        reply = await _next(ws)
        if reply.get("ref") == ref:
            return reply


async def _subscribe(ws: ClientConnection, topic: str, ref: str = "s") -> None:
    reply = await _request(ws, "subscribe", topic, ref)
    assert reply == {
        "version": 1,
        "topic": topic,
        "ref": ref,
        "action": "subscribed",
        "payload": None,
    }


async def _cycle(url: str, index: int) -> None:
    """Subscribe to two topics, then leave one of three ways: unsubscribe first, close
    politely while subscribed, or drop the TCP connection with no close frame."""
    ws = await connect(url, compression=None)
    room, presence = f"room:{20 + index % 20}", f"presence:p{index % 7}"
    await _subscribe(ws, room, "r")
    await _subscribe(ws, presence, "p")
    way = index % 3
    if way == 0:
        reply = await _request(ws, "unsubscribe", room, "u")
        assert reply["action"] == "unsubscribed", reply
        await ws.close()
    elif way == 1:
        await ws.close()
    else:
        ws.transport.abort()


async def test_1000_subscribe_disconnect_cycles_leave_no_group_member(
    servers: tuple[Server, Server], members: Any
) -> None:
    a, b = servers
    # The count reads the right keys: two clients' four subscriptions are there.
    held = [await connect(_url(server), compression=None) for server in (a, b)]
    for ws in held:
        await _subscribe(ws, "room:1")
        await _subscribe(ws, "doc:readme")
    assert sorted((await members()).values()) == [2, 2]
    for ws in held:
        await ws.close()
    assert await _no_members(members) == {}

    for wave in range(CYCLES // WAVE):
        url = _url(a if wave % 2 == 0 else b)
        await asyncio.gather(*(_cycle(url, wave * WAVE + n) for n in range(WAVE)))

    assert await _no_members(members) == {}


async def test_pushes_published_from_the_second_process_reach_subscribers_on_the_first(
    servers: tuple[Server, Server],
) -> None:
    a, b = servers
    pk = uuid.uuid4().int % 10_000 + 100
    room, other = f"room:{pk}", f"room:{pk + 1}"
    async with (
        connect(_url(a), compression=None) as on_a,
        connect(_url(b), compression=None) as on_b,
    ):
        await _subscribe(on_a, room)
        await _subscribe(on_b, room)

        # A client on b says something on the topic: a push to every subscriber, itself
        # included (a push: no ref).
        say = {"version": 1, "topic": room, "ref": "say-1", "action": "say"}
        await on_b.send(json.dumps({**say, "payload": {"text": "from b"}}))
        pushed = {"version": 1, "topic": room, "action": "said", "payload": {"text": "from b"}}
        assert await _next(on_a) == pushed
        assert await _next(on_b) == pushed

        # Server code in process b publishes: each subscriber's topic handles the event.
        await asyncio.to_thread(_publish, b, other, "not for a")
        await asyncio.to_thread(_publish, b, room, "notice from b")
        notice = {"version": 1, "topic": room, "action": "notice_sent"}
        assert await _next(on_a) == {**notice, "payload": {"text": "notice from b"}}

        # Unsubscribed on a: the next push reaches b only.
        assert (await _request(on_a, "unsubscribe", room, "u"))["action"] == "unsubscribed"
        await asyncio.to_thread(_publish, b, room, "after")
        frames = [await _next(on_b) for _ in range(2)]
        assert {**notice, "payload": {"text": "after"}} in frames, frames
        pong = await _request(on_a, "ping", room, "p")
        assert pong["payload"]["reason"] == "not_subscribed", pong


async def test_subscription_limits_hold(servers: tuple[Server, Server], members: Any) -> None:
    a, _ = servers
    base = uuid.uuid4().int % 10_000 + 20_000
    rooms = [f"room:{base + n}" for n in range(6)]
    async with connect(_url(a), compression=None) as ws:
        for topic, reason in (("room:13", "unauthorized"), ("room:x", "unknown_topic")):
            reply = await _request(ws, "subscribe", topic, reason)
            assert reply["payload"]["reason"] == reason, reply
        for n, room in enumerate(rooms[:5]):
            await _subscribe(ws, room, f"s{n}")
        refused = await _request(ws, "subscribe", rooms[5], "over")
        assert refused == {
            "version": 1,
            "topic": rooms[5],
            "ref": "over",
            "action": "error",
            "payload": {
                "detail": "At most 5 subscriptions per connection",
                "errors": None,
                "reason": "too_many_subscriptions",
            },
        }
        held = await members()
        mine = {k: v for k, v in held.items() if any(r.replace(":", "_") in k for r in rooms)}
        assert len(mine) == 5 and set(mine.values()) == {1}, mine

        # A refused topic gets no pushes; a freed slot can be used.
        await asyncio.to_thread(_publish, a, rooms[5], "refused")
        await _request(ws, "unsubscribe", rooms[0], "u0")
        await _subscribe(ws, rooms[5], "again")
        await asyncio.to_thread(_publish, a, rooms[5], "welcome")
        assert await _next(ws) == {
            "version": 1,
            "topic": rooms[5],
            "action": "notice_sent",
            "payload": {"text": "welcome"},
        }


async def test_sigterm_with_subscribed_clients_exits_within_2s_leaving_no_member(
    redis_url: str, members: Any
) -> None:
    await _no_members(members)  # the module's other servers left their groups
    with uvicorn(redis_url, app=APP) as server:
        clients = []
        for n in range(OPEN_AT_SIGTERM):
            ws = await connect(_url(server), compression=None)
            await _subscribe(ws, f"room:{n % 4}", "r")
            await _subscribe(ws, f"doc:d{n}", "d")
            clients.append(ws)
        held = await members()
        assert sum(held.values()) == 2 * OPEN_AT_SIGTERM, held

        stopped = await asyncio.to_thread(stop_process, server.process)
        codes = Counter(await asyncio.gather(*(_close_code(ws) for ws in clients)))
        log = server.log()
    assert stopped is not None and stopped < EXIT_WITHIN, (stopped, log[-3000:])
    assert server.process.returncode in (0, -signal.SIGTERM), log[-3000:]
    assert set(codes) <= {1001, 1012} and sum(codes.values()) == OPEN_AT_SIGTERM, codes
    # Left before the process ended: nothing may wait for an expiry.
    assert await members() == {}
    assert "Traceback" not in log, log[-3000:]


async def _close_code(ws: ClientConnection) -> int | None:
    try:
        await asyncio.wait_for(ws.wait_closed(), 5)
    except asyncio.TimeoutError:
        return -1
    return ws.close_code
