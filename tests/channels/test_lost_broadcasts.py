"""Broadcasts the channel layer drops for a slow member are counted and logged, not silent."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from channels.layers import channel_layers
from django.test import override_settings

from chanx.channels.runtime import chanx_process
from chanx.channels.routing import URLRouter, re_path
from tests.channels.helpers import collect, connect
from tests.project.consumers import EchoConsumer
from tests.project.messages import NotifyEvent, TextPayload

pytestmark = pytest.mark.django_db(transaction=True)


class SlowReaderConsumer(EchoConsumer):
    """A member whose client drains slowly: each frame takes 20 ms to go out."""

    async def send_text(self, text: str) -> None:
        await asyncio.sleep(0.02)
        await super().send_text(text)


async def drain(ws, action: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The texts of the ``action`` frames ``ws`` receives until it has been quiet for 0.3 s."""
    texts = []
    while not await ws.receive_nothing(0.3):
        frame = json.loads(await ws.receive_from(1))
        if frame["action"] == action:
            texts.append(frame["payload"]["text"])
    return texts


def assert_lost_ones_counted(
    texts: list[str], lost: int, caplog: pytest.LogCaptureFixture, what: str
) -> None:
    """Of 40 sends and a later one, those that never arrived were counted and logged."""
    assert texts[-1] == "later"
    delivered = len(texts) - 1
    assert 0 < delivered < 40
    assert lost == 40 - delivered, (texts, lost)
    assert any("lost" in r.getMessage() for r in caplog.records)
    print(f"lost {what}: {delivered} of 40 delivered, {lost} counted as lost")


router = URLRouter(
    [
        re_path(r"^ws/fast/(?P<room>\w+)/$", EchoConsumer.as_asgi()),
        re_path(r"^ws/slow/(?P<room>\w+)/$", SlowReaderConsumer.as_asgi()),
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
    caplog: pytest.LogCaptureFixture, small_layer: dict[str, object]
) -> None:
    with override_settings(CHANNEL_LAYERS={"default": small_layer}):
        channel_layers.backends.clear()
        try:
            slow = await connect("/ws/slow/busy/", router)
            sender = await connect("/ws/fast/busy/", router)
            before = chanx_process().stats.lost_broadcasts
            with caplog.at_level(logging.WARNING, logger="chanx.channels.gaps"):
                for i in range(40):
                    await sender.send_to(
                        text_data=json.dumps({"action": "shout", "payload": {"text": str(i)}})
                    )
                    await collect(sender)
                texts = await drain(slow, "shout_notice")
                # A gap shows when a later broadcast arrives: the room goes on talking.
                await sender.send_to(
                    text_data=json.dumps({"action": "shout", "payload": {"text": "later"}})
                )
                await collect(sender)
                texts += await drain(slow, "shout_notice")
            assert_lost_ones_counted(texts, chanx_process().stats.lost_broadcasts - before, caplog, "broadcasts")
            await slow.disconnect()
            await sender.disconnect()
        finally:
            channel_layers.backends.clear()


async def test_events_dropped_for_a_slow_member_are_counted_and_logged(
    caplog: pytest.LogCaptureFixture, small_layer: dict[str, object]
) -> None:
    with override_settings(CHANNEL_LAYERS={"default": small_layer}):
        channel_layers.backends.clear()
        try:
            slow = await connect("/ws/slow/events/", router)
            before = chanx_process().stats.lost_broadcasts
            with caplog.at_level(logging.WARNING, logger="chanx.channels.gaps"):
                for i in range(40):
                    await EchoConsumer.broadcast_event(
                        NotifyEvent(payload=TextPayload(text=str(i))), "room_events"
                    )
                texts = await drain(slow, "notification")
                await EchoConsumer.broadcast_event(
                    NotifyEvent(payload=TextPayload(text="later")), "room_events"
                )
                texts += await drain(slow, "notification")
            assert_lost_ones_counted(texts, chanx_process().stats.lost_broadcasts - before, caplog, "events")
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
            texts = await drain(member, "notification")
            assert sorted(texts, key=int) == [str(i) for i in range(50)]
            assert chanx_process().stats.lost_broadcasts == before
            order = "in order" if texts == sorted(texts, key=int) else "out of order"
            print(f"concurrent events: 50 of 50 arrived ({order}), 0 counted as lost")
            await member.disconnect()
        finally:
            channel_layers.backends.clear()
