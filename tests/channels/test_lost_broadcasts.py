"""Broadcasts the channel layer drops for a slow member are counted and logged, not silent."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterator

import pytest
from channels.layers import channel_layers
from django.test import override_settings

from chanx.channels.routing import URLRouter, re_path
from chanx.channels.runtime import chanx_process
from chanx.testing import WebsocketCommunicator
from tests.channels.helpers import collect, connect
from tests.project.consumers import EchoConsumer
from tests.project.messages import NotifyEvent, TextPayload
from tests.waiting import DEADLINE

pytestmark = pytest.mark.django_db(transaction=True)


class PausedReaderConsumer(EchoConsumer):
    """A member whose client reads nothing while ``reading`` is clear.

    Its first frame blocks until the test sets ``reading`` again, and with it everything
    the member would receive next: its queue in the layer fills up and the layer drops,
    however fast or slowly the others broadcast.
    """

    reading = asyncio.Event()

    async def send_text(self, text: str) -> None:
        await self.reading.wait()
        await super().send_text(text)


@pytest.fixture
def reading() -> Iterator[asyncio.Event]:
    """The paused reader's switch, set (reading) until the test clears it."""
    PausedReaderConsumer.reading = asyncio.Event()
    PausedReaderConsumer.reading.set()
    yield PausedReaderConsumer.reading
    PausedReaderConsumer.reading.set()


async def talk_until_heard(
    say: Callable[[str], Awaitable[None]], member: WebsocketCommunicator, action: str
) -> tuple[list[str], int]:
    """Say "later 0", "later 1", ... until ``member`` got the last one said.

    Returns the texts of every ``action`` frame ``member`` received, and how many "later"
    messages were said. A gap shows only when a later message arrives, and one said while
    the member's queue is still full may be dropped itself: the room goes on talking
    until one gets through. Once the last one said has arrived nothing said before it is
    still on its way, since a member's messages arrive in the order they were sent.
    """
    texts: list[str] = []
    deadline = time.monotonic() + DEADLINE
    said = 0
    while not (texts and texts[-1] == f"later {said - 1}"):
        assert time.monotonic() < deadline, f"no later message arrived in {DEADLINE:g} s: {texts}"
        await say(f"later {said}")
        said += 1
        # Only the pace of saying: a message that takes longer is still read next round.
        while not await member.receive_nothing(0.2):
            frame = json.loads(await member.receive_from(DEADLINE))
            if frame["action"] == action:
                texts.append(frame["payload"]["text"])
    return texts, said


def assert_lost_ones_counted(
    texts: list[str], said: int, lost: int, caplog: pytest.LogCaptureFixture, what: str
) -> None:
    """Of 40 sends while the member was paused and ``said`` later ones, those that never
    arrived were counted and logged."""
    early = [text for text in texts if not text.startswith("later")]
    assert 0 < len(early) < 40, texts
    assert lost == 40 + said - len(texts), (texts, lost)
    assert any("lost" in r.getMessage() for r in caplog.records)
    print(f"lost {what}: {len(early)} of 40 delivered, {lost} counted as lost")


async def receive_texts(ws: WebsocketCommunicator, action: str, count: int) -> list[str]:
    """The texts of the next ``count`` ``action`` frames ``ws`` receives."""
    texts: list[str] = []
    while len(texts) < count:
        try:
            frame = json.loads(await ws.receive_from(DEADLINE))
        except TimeoutError:
            raise AssertionError(f"{len(texts)} of {count} {action!r} frames: {texts}") from None
        if frame["action"] == action:
            texts.append(frame["payload"]["text"])
    return texts


router = URLRouter(
    [
        re_path(r"^ws/fast/(?P<room>\w+)/$", EchoConsumer.as_asgi()),
        re_path(r"^ws/slow/(?P<room>\w+)/$", PausedReaderConsumer.as_asgi()),
    ]
)


@pytest.fixture(params=["in-memory", pytest.param("redis", marks=pytest.mark.redis)])
def small_layer(request: pytest.FixtureRequest) -> dict[str, object]:
    """A layer whose queues hold 3 messages: channels_redis drops the oldest buffered one."""
    if request.param == "in-memory":
        return {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 3}}
    redis_url = request.getfixturevalue("redis_url")
    return {"BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [redis_url], "capacity": 3}}  # fmt: skip


async def test_broadcasts_dropped_for_a_slow_member_are_counted_and_logged(
    caplog: pytest.LogCaptureFixture, small_layer: dict[str, object], reading: asyncio.Event
) -> None:
    with override_settings(CHANNEL_LAYERS={"default": small_layer}):
        channel_layers.backends.clear()
        try:
            slow = await connect("/ws/slow/busy/", router)
            sender = await connect("/ws/fast/busy/", router)
            before = chanx_process().stats.lost_broadcasts

            async def shout(text: str) -> None:
                await sender.send_to(
                    text_data=json.dumps({"action": "shout", "payload": {"text": text}})
                )
                await collect(sender)

            with caplog.at_level(logging.WARNING, logger="chanx.channels.gaps"):
                reading.clear()
                for i in range(40):
                    await shout(str(i))
                reading.set()
                texts, said = await talk_until_heard(shout, slow, "shout_notice")
            lost = chanx_process().stats.lost_broadcasts - before
            assert_lost_ones_counted(texts, said, lost, caplog, "broadcasts")
            await slow.disconnect()
            await sender.disconnect()
        finally:
            channel_layers.backends.clear()


async def test_events_dropped_for_a_slow_member_are_counted_and_logged(
    caplog: pytest.LogCaptureFixture, small_layer: dict[str, object], reading: asyncio.Event
) -> None:
    with override_settings(CHANNEL_LAYERS={"default": small_layer}):
        channel_layers.backends.clear()
        try:
            slow = await connect("/ws/slow/events/", router)
            before = chanx_process().stats.lost_broadcasts

            async def notify(text: str) -> None:
                event = NotifyEvent(payload=TextPayload(text=text))
                await EchoConsumer.broadcast_event(event, "room_events")

            with caplog.at_level(logging.WARNING, logger="chanx.channels.gaps"):
                reading.clear()
                for i in range(40):
                    await notify(str(i))
                reading.set()
                texts, said = await talk_until_heard(notify, slow, "notification")
            lost = chanx_process().stats.lost_broadcasts - before
            assert_lost_ones_counted(texts, said, lost, caplog, "events")
            await slow.disconnect()
        finally:
            channel_layers.backends.clear()


@pytest.mark.redis
async def test_concurrent_events_that_overtake_each_other_are_not_counted_as_lost(
    redis_url: str,
) -> None:
    redis = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                         "CONFIG": {"hosts": [redis_url]}}}  # fmt: skip
    with override_settings(CHANNEL_LAYERS=redis):
        channel_layers.backends.clear()
        try:
            member = await connect("/ws/fast/overtake/", router)
            before = chanx_process().stats.lost_broadcasts
            # Fifty sends at once from one process share one numbering and race each other
            # through the pool of Redis connections, so they may arrive out of order.
            await asyncio.gather(
                *(
                    EchoConsumer.broadcast_event(
                        NotifyEvent(payload=TextPayload(text=str(i))), "room_overtake"
                    )
                    for i in range(50)
                )
            )
            texts = await receive_texts(member, "notification", 50)
            assert sorted(texts, key=int) == [str(i) for i in range(50)]
            assert chanx_process().stats.lost_broadcasts == before
            order = "in order" if texts == sorted(texts, key=int) else "out of order"
            print(f"concurrent events: 50 of 50 arrived ({order}), 0 counted as lost")
            await member.disconnect()
        finally:
            channel_layers.backends.clear()
