"""channels_redis's ``RedisPubSubChannelLayer`` under chanx, against a real redis-server.

Echo, groups, broadcasts and events across two layer instances (two processes, in
effect); groups left for good on disconnect; a Redis restart ridden out with one warning
and no traceback; and a runtime stop that releases the layer's reader.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

import pytest
from channels.layers import channel_layers
from django.test import override_settings

from chanx.channels.outage import ChannelLayerUnavailable
from chanx.channels.routing import URLRouter, re_path
from chanx.channels.runtime import current_runtime
from tests.channels.helpers import collect, connect
from tests.project.consumers import EchoConsumer
from tests.project.messages import NotifyEvent, TextPayload
from tests.redis_server import RedisProcess

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]

PUBSUB = "channels_redis.pubsub.RedisPubSubChannelLayer"


class OtherProcessConsumer(EchoConsumer):
    channel_layer_alias = "other"


router = URLRouter(
    [
        re_path(r"^ws/a/(?P<room>\w+)/$", EchoConsumer.as_asgi()),
        re_path(r"^ws/b/(?P<room>\w+)/$", OtherProcessConsumer.as_asgi()),
    ]
)


@pytest.fixture
async def pubsub(redis_server: RedisProcess) -> AsyncIterator[RedisProcess]:
    config = {
        alias: {"BACKEND": PUBSUB, "CONFIG": {"hosts": [redis_server.url]}}
        for alias in ("default", "other")
    }
    with override_settings(CHANNEL_LAYERS=config):
        channel_layers.backends.clear()
        yield redis_server
        await current_runtime().stop()
    channel_layers.backends.clear()


async def _subscriptions(redis: RedisProcess) -> list[bytes]:
    from redis.asyncio import from_url

    client = from_url(redis.url)
    try:
        channels: list[bytes] = await client.pubsub_channels()
        return channels
    finally:
        await client.aclose()


async def _until_no_subscriptions(redis: RedisProcess) -> None:
    deadline = time.monotonic() + 10
    while channels := await _subscriptions(redis):
        assert time.monotonic() < deadline, f"still subscribed: {channels}"
        await asyncio.sleep(0.05)


async def test_echo_broadcast_and_events_cross_layer_instances(pubsub: RedisProcess) -> None:
    sender = await connect("/ws/a/hall/", router)
    receiver = await connect("/ws/b/hall/", router)
    assert channel_layers["default"] is not channel_layers["other"]

    await sender.send_to(text_data='{"action": "echo", "payload": {"text": "hi"}}')
    frames = await collect(sender)
    assert frames[0] == {"action": "echo_reply", "payload": {"text": "hi"}}

    await sender.send_to(text_data='{"action": "shout", "payload": {"text": "via pubsub"}}')
    assert await collect(sender) == [{"action": "complete", "payload": None}]
    frames = await collect(receiver, stop="group_complete", timeout=5)
    assert frames[0] == {"action": "shout_notice", "payload": {"text": "via pubsub"}}

    await EchoConsumer.broadcast_event(NotifyEvent(payload=TextPayload(text="evt")), "room_hall")
    for ws in (sender, receiver):
        got = await collect(ws, stop="event_complete", timeout=5)
        assert got[0] == {"action": "notification", "payload": {"text": "evt"}}

    await sender.disconnect()
    await receiver.disconnect()
    # Every connection's channel and group is unsubscribed once its clients left.
    await _until_no_subscriptions(pubsub)


async def test_many_connections_leave_no_subscription_behind(pubsub: RedisProcess) -> None:
    for _ in range(5):
        clients = await asyncio.gather(*(connect("/ws/a/busy/", router) for _ in range(40)))
        await asyncio.gather(*(ws.disconnect() for ws in clients))
    await _until_no_subscriptions(pubsub)


async def test_a_redis_restart_is_ridden_out_with_one_warning_and_no_traceback(
    pubsub: RedisProcess, caplog: pytest.LogCaptureFixture
) -> None:
    a = await connect("/ws/a/storm/", router)
    b = await connect("/ws/b/storm/", router)
    loop = asyncio.get_running_loop()
    with caplog.at_level(logging.INFO):
        await loop.run_in_executor(None, pubsub.kill)
        # The client's own frames need no Redis.
        await a.send_to(text_data='{"action": "ping"}')
        assert [f["action"] for f in await collect(a, timeout=5)] == ["pong", "complete"]
        # A broadcast without Redis fails visibly.
        with pytest.raises(ChannelLayerUnavailable):
            await EchoConsumer.broadcast_event(
                NotifyEvent(payload=TextPayload(text="lost")), "room_storm"
            )
        await loop.run_in_executor(None, pubsub.start)
        # redis-py subscribes again by itself; broadcasts reach both ends once it has.
        deadline = time.monotonic() + 15
        while True:
            await a.send_to(text_data='{"action": "shout", "payload": {"text": "back"}}')
            await collect(a, timeout=5)
            # receive_nothing waits without cancelling the consumer on a timeout.
            if await b.receive_nothing(0.5):
                assert time.monotonic() < deadline, "broadcasts never came back"
                continue
            frames = await collect(b, stop="group_complete", timeout=5)
            assert frames[0]["payload"] == {"text": "back"}
            break
    records = [r for r in caplog.records if r.name.startswith(("chanx", "channels_redis"))]
    assert not any(r.exc_info for r in records), [r.getMessage() for r in records]
    warnings = [r.getMessage() for r in records if r.levelno >= logging.WARNING]
    # At most one warning per layer instance (two here): the outage, not each retry of
    # the reader, nor the reader learning of the restart after a publish succeeded.
    assert 1 <= len(warnings) <= 2, warnings
    assert all("unreachable" in w for w in warnings), warnings
    await a.disconnect()
    await b.disconnect()


async def test_stopping_the_runtime_ends_the_layers_reader(pubsub: RedisProcess) -> None:
    ws = await connect("/ws/a/stop/", router)
    readers = [t for t in asyncio.all_tasks() if "_do_receiving" in t.get_coro().__qualname__]
    assert readers, "the pub/sub layer's reader task was expected to run"
    await current_runtime().stop()
    # The stop closed the connection (1001) and ended the reader.
    assert await ws.receive_output(5) == {"type": "websocket.close", "code": 1001}
    assert all(t.done() for t in readers)
