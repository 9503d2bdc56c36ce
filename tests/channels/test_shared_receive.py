"""A connected client is already in its groups: no broadcast after the handshake is missed.

Several consumers of one process share one Redis layer here; each broadcast is sent right
after the last client connected, so a consumer that accepted the handshake before joining
its group (the order chanx used to have) would miss it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import pytest
from channels.layers import channel_layers
from django.test import override_settings

from chanx.channels.routing import URLRouter, re_path
from tests.channels.helpers import collect, connect
from tests.project.consumers import EchoConsumer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]

router = URLRouter([re_path(r"^ws/rooms/(?P<room>\w+)/$", EchoConsumer.as_asgi())])


@pytest.fixture
async def one_redis_layer(redis_url: str) -> AsyncIterator[None]:
    config = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [redis_url]},
        }
    }
    with override_settings(CHANNEL_LAYERS=config):
        channel_layers.backends.clear()
        layer = channel_layers["default"]
        await layer.group_add("warm_up", await layer.new_channel())
        yield
    channel_layers.backends.clear()


async def hears(ws, text: str, sent: float) -> float:  # type: ignore[no-untyped-def]
    frames = await collect(ws, stop="group_complete", timeout=2)
    assert frames[0]["payload"] == {"text": text}
    return time.monotonic() - sent


async def test_broadcast_right_after_connecting_reaches_every_local_consumer(
    one_redis_layer: None,
) -> None:
    clients = [await connect("/ws/rooms/shared/", router) for _ in range(6)]
    slowest = 0.0
    for round_ in range(5):
        sent = time.monotonic()
        text = f"round {round_}"
        await clients[0].send_to(
            text_data=json.dumps({"action": "shout", "payload": {"text": text}})
        )
        await collect(clients[0], timeout=5)

        delays = await asyncio.gather(*(hears(ws, text, sent) for ws in clients[1:]))
        slowest = max(slowest, *delays)
    print(f"shared receive: slowest delivery {slowest:.2f}s over 5 broadcasts to 5 consumers")
    for ws in clients:
        await ws.disconnect()
