"""The distributed layer: broadcasts and events cross processes through a real redis-server."""

from __future__ import annotations

import json

import pytest
from channels.layers import channel_layers
from django.test import override_settings

from tests.channels.helpers import collect, connect, ws_channel
from tests.project.consumers import EchoConsumer
from tests.project.messages import NotifyEvent, TextPayload

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]


@pytest.fixture
def redis_layers(redis_url: str):  # type: ignore[no-untyped-def]
    config = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [redis_url]},
        },
        "other": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [redis_url]},
        },
    }
    with override_settings(CHANNEL_LAYERS=config):
        channel_layers.backends.clear()
        yield
    channel_layers.backends.clear()


async def test_broadcast_reaches_consumer_on_another_layer_instance(redis_layers: None) -> None:
    class OtherLayerConsumer(EchoConsumer):
        channel_layer_alias = "other"

    sender = await connect("/ws/rooms/redis/")
    receiver = await connect("/ws/rooms/redis/", application=_router_for(OtherLayerConsumer))
    assert channel_layers["default"] is not channel_layers["other"]
    await sender.send_to(text_data='{"action": "shout", "payload": {"text": "via redis"}}')
    assert await collect(sender) == [{"action": "complete", "payload": None}]
    frames = await collect(receiver, stop="group_complete", timeout=5)
    assert frames[0] == {"action": "shout_notice", "payload": {"text": "via redis"}}

    await EchoConsumer.broadcast_event(NotifyEvent(payload=TextPayload(text="evt")), "room_redis")
    for ws in (sender, receiver):
        got = await collect(ws, stop="event_complete", timeout=5)
        assert got[0] == {"action": "notification", "payload": {"text": "evt"}}
    await sender.disconnect()
    await receiver.disconnect()
    assert json.loads('{"ok": true}')["ok"]


def _router_for(consumer: type[EchoConsumer]):  # type: ignore[no-untyped-def]
    from chanx.channels.routing import URLRouter, re_path

    return URLRouter([re_path(r"^ws/rooms/(?P<room>[a-z0-9_]+)/$", consumer.as_asgi())])


async def test_departed_channels_do_not_keep_receive_buffers(
    redis_layers: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from chanx.channels import membership

    monkeypatch.setattr(membership, "RECEIVE_BUFFER_GRACE", 0.2)
    layer = channel_layers["default"]
    ws = await connect("/ws/rooms/leaky/")
    name = await ws_channel(ws)
    await ws.disconnect()
    # A message in flight to the departed channel: channels_redis files it in a buffer.
    await layer.send(name, {"type": "late"})
    deadline = asyncio.get_running_loop().time() + 3
    while name not in layer.receive_buffer and asyncio.get_running_loop().time() < deadline:
        other = await connect("/ws/rooms/other/")  # a receiver in the process pulls it in
        await other.disconnect()
    assert name in layer.receive_buffer, "the late message never reached a buffer"
    await asyncio.sleep(0.5)
    assert name not in layer.receive_buffer
