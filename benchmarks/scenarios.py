"""The in-process scenarios: each opens connections, times a fixed amount of work, closes.

A scenario runs the same frames against every implementation. :meth:`Scenario.run` is
the only timed part; connecting the clients and building the frames happen in
:meth:`Scenario.open`, outside the clock. :meth:`Scenario.replies` runs a few frames
and returns what came back, parsed, so the suite can check that every implementation
gives the same answers before it times any of them.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from typing import Any

from benchmarks.driver import AsgiApp, Connection
from benchmarks.messages import echo_frame, order_frame, shout_frame


class Scenario(ABC):
    """One workload. ``size`` operations are done per timed round."""

    name: str
    unit: str
    target: float
    description: str

    def __init__(self, size: int) -> None:
        self.size = size

    @abstractmethod
    async def open(self, app: AsgiApp) -> None:
        """Connect and prepare everything the timed part needs."""

    @abstractmethod
    async def run(self) -> None:
        """Do ``size`` operations: the only timed part."""

    @abstractmethod
    async def close(self) -> None:
        """Disconnect everything :meth:`open` connected."""

    @abstractmethod
    async def replies(self, app: AsgiApp) -> list[Any]:
        """A few operations' replies, parsed from JSON, for the correctness check."""

    def applications(self, raw_without_cleanup: bool) -> dict[str, AsgiApp] | None:
        """The implementations this scenario compares, by name; None for the suite's
        default consumers (:func:`benchmarks.inprocess.applications`)."""
        return None


async def _ready(app: AsgiApp, room: str) -> Connection:
    """A connection that has joined its room: one echo round trip proves the join is done,
    because a consumer handles frames only after its connect handler returns."""
    connection = Connection(app, room=room)
    await connection.connect()
    connection.send_text(echo_frame(-1))
    await connection.receive_text()
    return connection


class _OneConnection(Scenario):
    room = "solo"
    conn: Connection
    frames: list[str]

    def frame(self, index: int) -> str:
        return echo_frame(index)

    async def open(self, app: AsgiApp) -> None:
        self.frames = [self.frame(i) for i in range(self.size)]
        self.conn = await _ready(app, self.room)

    async def close(self) -> None:
        await self.conn.disconnect()

    async def replies(self, app: AsgiApp) -> list[Any]:
        conn = await _ready(app, self.room)
        out = []
        for index in range(3):
            conn.send_text(self.frame(index))
            out.append(json.loads(await conn.receive_text()))
        conn.send_text('{"action": "echo", "payload": {"txet": 1}}')
        out.append(json.loads(await conn.receive_text())["action"])
        await conn.disconnect()
        return out


class SequentialEcho(_OneConnection):
    """Send a frame, wait for its reply, repeat."""

    name = "echo sequential"
    unit = "round trips"
    target = 1.1
    description = "one client: send an echo frame, await the reply, repeat"

    async def run(self) -> None:
        conn = self.conn
        for frame in self.frames:
            conn.send_text(frame)
            await conn.receive_text()


class PipelinedEcho(_OneConnection):
    """Send N frames at once, then read the N replies."""

    name = "echo pipelined"
    unit = "messages"
    target = 1.1
    description = "one client: send N echo frames, then read the N replies"

    async def run(self) -> None:
        conn = self.conn
        for frame in self.frames:
            conn.send_text(frame)
        for _ in self.frames:
            await conn.receive_text()


class NestedEcho(SequentialEcho):
    """Sequential round trips of an order holding a list of 20 nested items."""

    name = "nested validation"
    unit = "round trips"
    target = 1.2
    description = "one client: an order with 20 nested items, validated and echoed back"

    def frame(self, index: int) -> str:
        return order_frame(index)


class Broadcast(Scenario):
    """One member of a room shouts; every other member receives it."""

    name = "broadcast x200"
    unit = "broadcasts"
    target = 1.3
    description = "201 clients in a room; one shouts, wait until the 200 others received it"
    room = "crowd"

    def __init__(self, size: int, members: int = 200) -> None:
        super().__init__(size)
        self.members = members
        self.sender: Connection
        self.receivers: list[Connection] = []
        self.frames: list[str] = []

    async def _join(self, app: AsgiApp, members: int) -> None:
        self.sender = await _ready(app, self.room)
        self.receivers = [await _ready(app, self.room) for _ in range(members)]

    async def open(self, app: AsgiApp) -> None:
        self.frames = [shout_frame(i) for i in range(self.size)]
        await self._join(app, self.members)

    async def run(self) -> None:
        sender, receivers = self.sender, self.receivers
        for frame in self.frames:
            sender.send_text(frame)
            for receiver in receivers:
                await receiver.receive_text()

    async def close(self) -> None:
        if self.sender.pending() > 0:
            raise AssertionError("the sender received its own broadcast")
        for connection in (self.sender, *self.receivers):
            await connection.disconnect()

    async def replies(self, app: AsgiApp) -> list[Any]:
        await self._join(app, 3)
        self.sender.send_text(shout_frame(7))
        out = [json.loads(await r.receive_text()) for r in self.receivers]
        self.sender.send_text(echo_frame(8))
        out.append(json.loads(await self.sender.receive_text()))
        await self.close()
        return out


class Churn(Scenario):
    """Connect, join the room, leave, disconnect; one connection after the other."""

    name = "connect/disconnect"
    unit = "connections"
    target = 1.0
    description = "a client connects (the consumer joins its room), then disconnects"
    room = "churn"
    app: AsgiApp

    async def open(self, app: AsgiApp) -> None:
        self.app = app

    async def run(self) -> None:
        app, room = self.app, self.room
        for _ in range(self.size):
            connection = Connection(app, room=room)
            await connection.connect()
            await connection.disconnect()

    async def close(self) -> None:
        pass

    async def replies(self, app: AsgiApp) -> list[Any]:
        from channels.layers import get_channel_layer

        connection = await _ready(app, self.room)
        layer = get_channel_layer()
        joined = len(layer.groups.get(f"bench_{self.room}", {}))
        await connection.disconnect()
        left = len(layer.groups.get(f"bench_{self.room}", {}))
        return [joined, left]


def in_process_scenarios(scale: float) -> list[Scenario]:
    """Every in-process scenario, sized so one round of one implementation takes ~0.1-0.3 s
    of CPU at ``scale`` 1 (the topic scenarios of :mod:`benchmarks.topic_scenarios` last)."""
    from benchmarks.topic_scenarios import topic_scenarios  # imported here: it imports this

    def n(base: int) -> int:
        return max(3, int(base * scale))

    return [
        SequentialEcho(n(1500)),
        PipelinedEcho(n(1500)),
        NestedEcho(n(800)),
        Broadcast(n(25)),
        Churn(n(600)),
        *topic_scenarios(scale),
    ]
