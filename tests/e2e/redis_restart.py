"""A Redis restart under live chat servers, measured: what survives, and how fast it recovers.

:func:`restart_redis_under_load` opens connections spread over the servers, proves a
broadcast reaches all of them, kills ``redis-server`` with SIGKILL, starts it again on the
same port after an outage, then measures. It asserts nothing itself: tests decide which
numbers of the :class:`RedisRestartReport` they guarantee.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from websockets.asyncio.client import ClientConnection

from tests.e2e.clients import answers_own_frames, chat_round_trip, open_chat, receive, send
from tests.e2e.servers import ChatServer
from tests.redis_server import RedisProcess


@dataclass
class RedisRestartReport:
    """What a Redis restart did to the chat servers and their connections."""

    servers: int
    servers_alive: int
    existing: int
    """Connections open (and in the room) before Redis died."""
    existing_alive: int
    """Existing connections that still answered a frame of their own after recovery."""
    existing_broadcast: int
    """Most existing connections one room broadcast reached after the restart (broadcasts
    are repeated until one reaches them all or the recovery timeout passes)."""
    first_broadcast: int
    """Existing connections the first broadcast reached, sent as soon as new connections
    chatted across every server (each process restores all its connections' groups on
    one signal, before its new connections join theirs, so this should be all of them)."""
    broadcast_seconds: float | None
    """From the restart until a broadcast reached every existing connection; None if none did
    within the recovery timeout."""
    new_connection_seconds: float | None
    """From the restart until new connections on every server chatted across servers;
    None if that never happened within the recovery timeout."""
    close_codes: Counter[int | None] = field(default_factory=Counter)
    """How the existing connections that died were closed (None: no close frame)."""

    def line(self) -> str:
        """One line for the test log, e.g.
        ``redis-restart: existing alive 3/10, broadcast after recovery 0/10, ...``."""
        new = (
            f"new connection ok in {self.new_connection_seconds:.1f}s"
            if self.new_connection_seconds is not None
            else "new connection FAILED"
        )
        closed = ", ".join(
            f"{count} with {code}"
            for code, count in sorted(self.close_codes.items(), key=lambda item: str(item[0]))
        )
        broadcast = (
            f"first broadcast after recovery {self.first_broadcast}/{self.existing}, "
            f"best {self.existing_broadcast}/{self.existing}"
        )
        if self.broadcast_seconds is not None:
            broadcast += f" (all in {self.broadcast_seconds:.1f}s)"
        return (
            f"redis-restart: existing alive {self.existing_alive}/{self.existing}, "
            f"{broadcast}, {new}, "
            f"servers alive {self.servers_alive}/{self.servers}"
            + (f", existing closed with {closed}" if closed else "")
        )


async def restart_redis_under_load(
    redis: RedisProcess,
    servers: Sequence[ChatServer],
    *,
    existing: int = 10,
    outage: float = 3.0,
    recovery_timeout: float = 15.0,
    answer_timeout: float = 5.0,
) -> RedisRestartReport:
    """Kill Redis under ``existing`` open connections, restart it after ``outage`` s, measure.

    The connections are spread round-robin over ``servers`` and all join one room; before
    the kill a broadcast must reach every one of them (otherwise the measurement would mean
    nothing and this raises). After the restart, new connections are tried on every server
    until one chat round trip crosses all of them, or ``recovery_timeout`` passes; then
    each existing connection is asked for an answer of its own (an ``error`` for a malformed
    frame, which needs no Redis), and room broadcasts are repeated until one reaches every
    existing connection, or ``recovery_timeout`` passes. ``answer_timeout`` is how long one
    answer or one broadcast may take: a live connection answers at once and a closed one
    fails at once, so only a connection that is open but no longer served waits it out.
    """
    room = "restart-" + uuid.uuid4().hex[:8]
    clients = [await open_chat(servers[i % len(servers)], room) for i in range(existing)]
    try:
        await chat_round_trip(clients[0], *clients[1:], text="before the outage")

        await asyncio.to_thread(redis.kill)
        # The outage itself: nothing to poll for, the servers are left alone with no Redis.
        await asyncio.sleep(outage)
        await asyncio.to_thread(redis.start)
        restarted = time.monotonic()

        deadline = restarted + recovery_timeout
        chatted = await _until_new_connections_chat(servers, deadline)

        first: int | None = None
        reached, everyone = 0, None
        while everyone is None and time.monotonic() < deadline:
            heard = await _broadcast_reaches(servers[0], room, clients, answer_timeout)
            if first is None:
                first = sum(heard)
            reached = max(reached, sum(heard))
            if all(heard):
                everyone = time.monotonic()
        alive = await asyncio.gather(*(answers_own_frames(ws, answer_timeout) for ws in clients))
        close_codes: Counter[int | None] = Counter(
            ws.close_code for ws, ok in zip(clients, alive, strict=True) if not ok
        )
        return RedisRestartReport(
            servers=len(servers),
            servers_alive=sum(server.alive for server in servers),
            existing=existing,
            existing_alive=sum(alive),
            existing_broadcast=reached,
            first_broadcast=first or 0,
            broadcast_seconds=None if everyone is None else everyone - restarted,
            new_connection_seconds=None if chatted is None else chatted - restarted,
            close_codes=close_codes,
        )
    finally:
        await asyncio.gather(*(ws.close() for ws in clients), return_exceptions=True)


async def _until_new_connections_chat(
    servers: Sequence[ChatServer], deadline: float
) -> float | None:
    """When (monotonic) fresh connections on all ``servers`` first chatted with each other."""
    while time.monotonic() < deadline:
        room = "probe-" + uuid.uuid4().hex[:8]
        opened: list[ClientConnection] = []
        try:
            for server in servers:
                opened.append(await open_chat(server, room, timeout=3))
            await chat_round_trip(opened[0], *opened[1:], text="after the restart")
            return time.monotonic()
        except Exception:
            await asyncio.sleep(0.2)
        finally:
            await asyncio.gather(*(ws.close() for ws in opened), return_exceptions=True)
    return None


async def _broadcast_reaches(
    server: ChatServer, room: str, clients: Sequence[ClientConnection], timeout: float
) -> list[bool]:
    """Which ``clients`` receive a message a fresh connection says in ``room``."""
    text = "after recovery " + uuid.uuid4().hex[:8]
    try:
        sender = await open_chat(server, room, timeout=timeout)
    except Exception:
        # No connection to send from yet (Redis not back for this server): nobody heard.
        await asyncio.sleep(0.2)
        return [False] * len(clients)
    try:
        await send(sender, "message", {"text": text})
        return list(await asyncio.gather(*(_hears(ws, text, timeout) for ws in clients)))
    finally:
        await sender.close()


async def _hears(ws: ClientConnection, text: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    try:
        while True:
            frame = await receive(ws, "room_message", max(deadline - time.monotonic(), 0.01))
            if frame["payload"]["text"] == text:
                return True
    except Exception:
        return False
