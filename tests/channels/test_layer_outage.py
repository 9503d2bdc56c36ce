"""A Redis restart under open connections: they stay, answer, recover their groups."""

from __future__ import annotations

import asyncio
import gc
import json
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
from tests.waiting import DEADLINE, await_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]


class QuickGiveUpConsumer(EchoConsumer):
    layer_recovery_timeout = 1.0


# One channel-layer instance per client, as if each were served by its own process.
ALIASES = ["default", "p1", "p2", "p3", "p4"]
PER_PROCESS = [
    type(f"EchoOn_{alias}", (EchoConsumer,), {"channel_layer_alias": alias}) for alias in ALIASES
]

router = URLRouter(
    [
        *(
            re_path(rf"^ws/{alias}/(?P<room>\w+)/$", consumer.as_asgi())
            for alias, consumer in zip(ALIASES, PER_PROCESS, strict=True)
        ),
        re_path(r"^ws/quick/(?P<room>\w+)/$", QuickGiveUpConsumer.as_asgi()),
    ]
)


@pytest.fixture
async def redis_layer(redis_server: RedisProcess) -> AsyncIterator[RedisProcess]:
    config = {
        alias: {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [redis_server.url]},
        }
        for alias in ALIASES
    }
    with override_settings(CHANNEL_LAYERS=config):
        channel_layers.backends.clear()
        # Create the layer and its Redis connection now: the first use imports
        # channels_redis and connects, which can outlast a test communicator's timeouts.
        for alias in ALIASES:
            layer = channel_layers[alias]
            await layer.group_add("warm_up", await layer.new_channel())
        yield redis_server
    channel_layers.backends.clear()


DELIVERY_TIMEOUT = 7


async def shout(ws, text: str) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    await ws.send_to(text_data=json.dumps({"action": "shout", "payload": {"text": text}}))
    return await collect(ws, timeout=DELIVERY_TIMEOUT)


async def heard(clients, text: str) -> None:  # type: ignore[no-untyped-def]
    for ws in clients:
        frames = await collect(ws, stop="group_complete", timeout=DELIVERY_TIMEOUT)
        assert frames[0]["payload"] == {"text": text}


async def group_size(url: str, group: str) -> int:
    import redis.asyncio

    client = redis.asyncio.from_url(url)
    try:
        return int(await client.zcard(f"asgi:group:{group}"))
    finally:
        await client.aclose()


async def test_connections_survive_a_redis_restart_and_get_broadcasts_again(
    redis_layer: RedisProcess, caplog: pytest.LogCaptureFixture
) -> None:
    clients = [await connect(f"/ws/{alias}/outage/", router) for alias in ALIASES]
    assert await shout(clients[0], "before") == [{"action": "complete", "payload": None}]
    await heard(clients[1:], "before")
    loop = asyncio.get_running_loop()

    with caplog.at_level(logging.INFO, logger="chanx.channels.outage"):
        await loop.run_in_executor(None, redis_layer.kill)

        def warned() -> list[str]:
            return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]

        async def outage_noticed() -> bool:
            return len(warned()) == len(ALIASES)

        await await_until(
            outage_noticed, "a warning from each layer that Redis is gone", seen=warned
        )
        # Own frames still work without Redis.
        for ws in clients:
            await ws.send_to(text_data='{"action": "ping"}')
            assert [f["action"] for f in await collect(ws, timeout=5)] == ["pong", "complete"]
        # A broadcast during the outage fails visibly to its sender.
        frames = await shout(clients[0], "during")
        assert frames[0]["action"] == "error"
        assert "channel layer is unavailable" in str(frames[0]["payload"])
        with pytest.raises(ChannelLayerUnavailable):
            await EchoConsumer.broadcast_event(
                NotifyEvent(payload=TextPayload(text="x")), "room_outage"
            )

        await loop.run_in_executor(None, redis_layer.start)
        restarted = time.monotonic()

        sizes = [0]

        async def all_back() -> bool:
            sizes.append(await group_size(redis_layer.url, "room_outage"))
            return sizes[-1] == len(ALIASES)

        # The restarted Redis is empty: every connection must add itself back to its group.
        await await_until(
            all_back, "all 5 connections back in their group", seen=lambda: f"{sizes[-1]} back"
        )
        restored = time.monotonic() - restarted
        assert await shout(clients[0], "after") == [{"action": "complete", "payload": None}]
        await heard(clients[1:], "after")

    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    infos = [r for r in caplog.records if "reachable again" in r.getMessage()]
    # One warning and one "reachable again" per layer (each alias stands for a process),
    # however many connections it serves.
    assert len(warnings) == len(ALIASES), [r.getMessage() for r in warnings]
    assert len(infos) == len(ALIASES)
    # No traceback from chanx, and none from channels_redis's clean-up tasks Redis died
    # under (asyncio would log "Task exception was never retrieved" when they are freed).
    gc.collect()
    chanx_records = [r for r in caplog.records if r.name.startswith("chanx")]
    assert not any(r.exc_info for r in chanx_records), "chanx logged a traceback"
    upstream = [r.getMessage() for r in caplog.records if r.name == "asyncio"]
    assert not upstream, upstream
    print(f"layer outage: 5/5 connections alive, groups restored {restored:.2f}s after restart")
    for ws in clients:
        await ws.disconnect()


async def test_connection_closes_with_1012_when_the_layer_stays_away(
    redis_layer: RedisProcess,
) -> None:
    ws = await connect("/ws/quick/gone/", router)
    await asyncio.get_running_loop().run_in_executor(None, redis_layer.kill)
    # Its layer_recovery_timeout is 1 s; a close within 20 s, below the default 30 s, is it.
    assert await ws.receive_output(20) == {"type": "websocket.close", "code": 1012}


async def test_new_connection_during_outage_is_refused_with_1012_and_works_after(
    redis_layer: RedisProcess,
) -> None:
    await asyncio.get_running_loop().run_in_executor(None, redis_layer.kill)
    from chanx.testing import WebsocketCommunicator

    ws = WebsocketCommunicator(router, "/ws/default/late/", consumer=PER_PROCESS[0])
    # A layer known to be down makes a new connection wait up to 5 s (SETTLE_TIMEOUT) for
    # older ones to rejoin before it tries, and is refused: the wait must outlast that.
    connected, code = await ws.connect(timeout=DEADLINE, allow_refused=True)
    assert (connected, code) == (False, 1012)
    await asyncio.get_running_loop().run_in_executor(None, redis_layer.start)
    again = await connect("/ws/default/late/", router)
    assert await shout(again, "hi") == [{"action": "complete", "payload": None}]
    await again.disconnect()


class CleanupLayer:
    """Stands in for channels_redis's bookkeeping only: a plain ``receive_cleaners`` list."""

    def __init__(self) -> None:
        self.receive_cleaners: list[asyncio.Future[None]] = []


async def _fail(error: BaseException) -> None:
    raise error


async def test_failed_clean_up_tasks_are_looked_at_not_left_for_asyncio(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import redis.exceptions

    from chanx.channels.layers.redis_core import CheckedCleanups

    layer = CleanupLayer()
    checked = CheckedCleanups()
    checked.layer = layer
    layer.receive_cleaners = checked
    health = current_runtime().adapter(layer).health
    with caplog.at_level(logging.INFO):
        for error in (redis.exceptions.ConnectionError("gone"), ValueError("odd reply")):
            task = asyncio.ensure_future(_fail(error))
            layer.receive_cleaners.append(task)
            task.add_done_callback(layer.receive_cleaners.remove)  # as channels_redis does
            await asyncio.wait([task])  # waits without looking at the result
            del task
        gc.collect()
    assert layer.receive_cleaners == []
    messages = [r.getMessage() for r in caplog.records]
    assert health.down  # "unreachable" joined the outage
    assert sum("unreachable" in m for m in messages) == 1
    assert sum("may be delivered again" in m for m in messages) == 1
    assert not [r for r in caplog.records if r.name == "asyncio"], messages
    await current_runtime().stop()
