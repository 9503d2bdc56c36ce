"""The topic scenarios: subscribe/unsubscribe churn and fan-out of a push to a topic.

They compare :mod:`benchmarks.topic_consumers` (chanx with topics, a hand-written
Channels consumer doing the same with groups, a floor) the way the other in-process
scenarios compare their consumers, and run in the same suite; each scenario names its own
implementations (:meth:`Scenario.applications`).
"""

from __future__ import annotations

import json
from typing import Any

from benchmarks.driver import AsgiApp, Connection
from benchmarks.scenarios import Scenario

TOPIC_ROOMS = 100
"""Distinct topics the churn cycles through."""

STANDING_SUBSCRIPTIONS = 10
"""Topics the churning connection holds throughout, so it never churns from empty."""

FAN_OUT_TOPIC = "room:1"
OTHER_TOPICS = ("room:2", "room:3")
"""Topics each fan-out receiver holds besides the one pushed to: a push must find its
subscription among several."""

_apps: dict[bool, dict[str, AsgiApp]] = {}


def topic_applications(raw_without_cleanup: bool = False) -> dict[str, AsgiApp]:
    """The ASGI application of each topic implementation, by name (built once)."""
    apps = _apps.get(raw_without_cleanup)
    if apps is None:
        from benchmarks.topic_consumers import (
            ChanxTopicsConsumer,
            FloorTopicsConsumer,
            RawTopicsConsumer,
            RawTopicsConsumerWithoutCleanup,
        )

        raw = RawTopicsConsumerWithoutCleanup if raw_without_cleanup else RawTopicsConsumer
        apps = _apps[raw_without_cleanup] = {
            "floor": FloorTopicsConsumer.as_asgi(),
            "raw": raw.as_asgi(),
            "chanx": ChanxTopicsConsumer.as_asgi(),
        }
    return apps


def topic_frame(action: str, topic: str, ref: str | int | None = None, payload: Any = None) -> str:
    """A client frame on ``topic``; ``payload`` only for actions that carry one."""
    frame: dict[str, Any] = {"version": 1, "topic": topic}
    if ref is not None:
        frame["ref"] = ref
    frame["action"] = action
    if payload is not None:
        frame["payload"] = payload
    return json.dumps(frame)


def say_frame(index: int, topic: str = FAN_OUT_TOPIC) -> str:
    """The ``index``-th ``say`` frame on ``topic``."""
    return topic_frame("say", topic, f"s{index}", {"text": f"news {index}"})


async def _request(conn: Connection, frame: str) -> dict[str, Any]:
    conn.send_text(frame)
    reply: dict[str, Any] = json.loads(await conn.receive_text())
    return reply


async def _subscribed(app: AsgiApp, topics: tuple[str, ...]) -> Connection:
    """A connection subscribed to ``topics``, each confirmed."""
    conn = Connection(app, room="topics")
    await conn.connect()
    for index, topic in enumerate(topics):
        conn.send_text(topic_frame("subscribe", topic, f"r{index}"))
        await conn.receive_text()
    return conn


def _topic_members() -> int:
    """Members of every topic group of the in-memory layer (both implementations name
    their topic groups ``topic.*``)."""
    from channels.layers import get_channel_layer

    layer: Any = get_channel_layer()
    return sum(len(members) for name, members in layer.groups.items() if name.startswith("topic."))


class _TopicScenario(Scenario):
    def applications(self, raw_without_cleanup: bool) -> dict[str, AsgiApp] | None:
        return topic_applications(raw_without_cleanup)


class TopicChurn(_TopicScenario):
    """Subscribe to a topic and unsubscribe again, each confirmed, over many topics."""

    name = "topic subscribe/unsubscribe"
    unit = "sub+unsub pairs"
    target = 1.5
    description = (
        "one client holding 10 topics subscribes to another and unsubscribes, "
        "awaiting each reply, cycling over 100 topics"
    )
    conn: Connection
    frames: list[tuple[str, str]]

    async def open(self, app: AsgiApp) -> None:
        standing = tuple(f"room:{TOPIC_ROOMS + n}" for n in range(STANDING_SUBSCRIPTIONS))
        self.conn = await _subscribed(app, standing)
        self.frames = []
        for index in range(self.size):
            topic = f"room:{index % TOPIC_ROOMS}"
            self.frames.append(
                (
                    topic_frame("subscribe", topic, f"{index}s"),
                    topic_frame("unsubscribe", topic, f"{index}u"),
                )
            )

    async def run(self) -> None:
        conn = self.conn
        for subscribe, unsubscribe in self.frames:
            conn.send_text(subscribe)
            await conn.receive_text()
            conn.send_text(unsubscribe)
            await conn.receive_text()

    async def close(self) -> None:
        await self.conn.disconnect()

    async def replies(self, app: AsgiApp) -> list[Any]:
        before = _topic_members()
        conn = await _subscribed(app, ())
        out: list[Any] = [
            await _request(conn, topic_frame("subscribe", "room:1", "a")),
            await _request(conn, topic_frame("subscribe", "room:1", "b")),
            _topic_members() - before,
            await _request(conn, topic_frame("subscribe", "room:x", "c")),
            await _request(conn, topic_frame("subscribe", "hall:1", 7)),
            await _request(conn, say_frame(1, "room:2")),
            await _request(conn, topic_frame("say", "room:1", "d", {"txet": 1})),
            await _request(conn, topic_frame("unsubscribe", "room:1", "e")),
            _topic_members() - before,
            await _request(conn, topic_frame("unsubscribe", "room:1", "f")),
        ]
        for n in range(STANDING_SUBSCRIPTIONS * 2 + 1):
            out.append(await _request(conn, topic_frame("subscribe", f"room:{n}", f"m{n}")))
        out.append(_topic_members() - before)
        await conn.disconnect()
        out.append(_topic_members() - before)
        return out


class TopicFanOut(_TopicScenario):
    """One subscriber says something on a topic; every other subscriber gets the push."""

    name = "topic fan-out x200"
    unit = "pushes"
    target = 1.5
    description = (
        "201 clients subscribed to one topic (and two others); one says something on it, "
        "wait until the 200 others received the push"
    )

    def __init__(self, size: int, members: int = 200) -> None:
        super().__init__(size)
        self.members = members
        self.sender: Connection
        self.receivers: list[Connection] = []
        self.frames: list[str] = []

    async def _join(self, app: AsgiApp, members: int) -> None:
        topics = (FAN_OUT_TOPIC, *OTHER_TOPICS)
        self.sender = await _subscribed(app, topics)
        self.receivers = [await _subscribed(app, topics) for _ in range(members)]

    async def open(self, app: AsgiApp) -> None:
        self.frames = [say_frame(i) for i in range(self.size)]
        await self._join(app, self.members)

    async def run(self) -> None:
        sender, receivers = self.sender, self.receivers
        for frame in self.frames:
            sender.send_text(frame)
            for receiver in receivers:
                await receiver.receive_text()

    async def close(self) -> None:
        if self.sender.pending() > 0:
            raise AssertionError("the sender received its own push")
        for connection in (self.sender, *self.receivers):
            await connection.disconnect()

    async def replies(self, app: AsgiApp) -> list[Any]:
        await self._join(app, 3)
        self.sender.send_text(say_frame(7))
        out: list[Any] = [json.loads(await r.receive_text()) for r in self.receivers]
        self.sender.send_text(say_frame(8, OTHER_TOPICS[0]))
        out += [json.loads(await r.receive_text()) for r in self.receivers]
        unsubscribed = self.receivers[0]
        out.append(await _request(unsubscribed, topic_frame("unsubscribe", FAN_OUT_TOPIC, "u")))
        self.sender.send_text(say_frame(9))
        out += [json.loads(await r.receive_text()) for r in self.receivers[1:]]
        # The one that left the topic gets nothing more of it: the next thing it reads
        # is the reply to its next request.
        out.append(await _request(unsubscribed, topic_frame("unsubscribe", FAN_OUT_TOPIC, "v")))
        await self.close()
        return out


def topic_scenarios(scale: float) -> list[Scenario]:
    """The topic scenarios, sized like the other in-process ones at ``scale`` 1."""

    def n(base: int) -> int:
        return max(3, int(base * scale))

    return [TopicChurn(n(600)), TopicFanOut(n(25))]
