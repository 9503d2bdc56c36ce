"""The runtime that owns chanx's per-loop state, its ASGI lifespan wrapper, its helpers."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from asgiref.testing import ApplicationCommunicator
from channels.layers import InMemoryChannelLayer, channel_layers
from channels.routing import ProtocolTypeRouter
from django.test import override_settings

from chanx.channels.cancelling import cancel_and_wait
from chanx.channels.layers import LayerAdapter, adapter_class
from chanx.channels.layers.memory import InMemoryAdapter
from chanx.channels.lifespan import ChanxLifespan
from chanx.channels.outage import ChannelLayerUnavailable, LayerHealth
from chanx.channels.runtime import current_runtime
from tests.channels.helpers import connect, router

pytestmark = pytest.mark.django_db(transaction=True)


def test_each_layer_type_gets_its_adapter_and_unknown_layers_the_no_op_one() -> None:
    from channels_redis.core import RedisChannelLayer
    from channels_redis.pubsub import RedisPubSubChannelLayer

    from chanx.channels.layers.redis_core import RedisCoreAdapter
    from chanx.channels.layers.redis_pubsub import RedisPubSubAdapter

    class TunedRedisLayer(RedisChannelLayer):  # type: ignore[misc]
        pass

    assert adapter_class(InMemoryChannelLayer()) is InMemoryAdapter
    assert adapter_class(RedisChannelLayer()) is RedisCoreAdapter
    assert adapter_class(TunedRedisLayer()) is RedisCoreAdapter
    assert adapter_class(RedisPubSubChannelLayer()) is RedisPubSubAdapter
    assert adapter_class(object()) is LayerAdapter


def test_redis_core_blocking_wait_is_kept_under_the_read_timeout() -> None:
    """redis-py 6+ reads with a 5 s timeout; a 5 s BZPOPMIN raced it ("Timeout reading")."""
    from channels_redis.core import RedisChannelLayer

    from chanx.channels.layers.redis_core import RedisCoreAdapter, read_timeout

    layer = RedisChannelLayer(hosts=["redis://127.0.0.1:1/0"])
    timeout = read_timeout(layer)
    assert timeout is not None
    RedisCoreAdapter(layer).start()
    assert layer.brpop_timeout < timeout
    assert layer.brpop_timeout <= timeout / 2

    patient = RedisChannelLayer(hosts=[{"address": "redis://127.0.0.1:1/0", "socket_timeout": 60}])
    RedisCoreAdapter(patient).start()
    assert patient.brpop_timeout == RedisChannelLayer.brpop_timeout  # no race: unchanged


async def _answers() -> None:
    """A probe of a layer that is reachable."""


async def test_a_cancellation_turned_into_a_timeout_stays_a_cancellation() -> None:
    """asyncio.timeout inside redis-py can report a cancellation as TimeoutError."""
    import redis.exceptions

    health = LayerHealth(probe=_answers, name="test")
    entered = asyncio.Event()

    async def read() -> None:
        entered.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            raise redis.exceptions.TimeoutError("Timeout reading from 127.0.0.1") from None

    task = asyncio.ensure_future(health.call(read))
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not health.down, "a cancelled call was taken for an outage"


async def test_a_real_failure_is_an_outage_and_a_success_ends_it() -> None:
    import redis.exceptions

    health = LayerHealth(probe=_answers, name="test")

    async def broken() -> None:
        raise redis.exceptions.ConnectionError("refused")

    with pytest.raises(ChannelLayerUnavailable):
        await health.call(broken)
    assert health.down
    assert await health.wait_until_reachable(5)  # the probe (sleep) answers at once
    assert not health.down
    await health.stop()


async def test_cancel_and_wait_ends_a_task_that_swallows_one_cancellation() -> None:
    swallowed = asyncio.Event()

    async def stubborn() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            swallowed.set()  # as Python 3.11's wait_for can, by accident
        await asyncio.Event().wait()

    task = asyncio.ensure_future(stubborn())
    await asyncio.sleep(0)
    await asyncio.wait_for(cancel_and_wait([task]), 5)
    assert swallowed.is_set()
    assert task.cancelled()


async def _lifespan(application: Any, event: str) -> dict[str, Any]:
    communicator = ApplicationCommunicator(application, {"type": "lifespan"})
    await communicator.send_input({"type": "lifespan.startup"})
    started = await communicator.receive_output(5)
    if event == "startup":
        return started
    await communicator.send_input({"type": "lifespan.shutdown"})
    stopped: dict[str, Any] = await communicator.receive_output(10)
    return stopped


async def test_lifespan_shutdown_closes_open_connections_with_1001_and_stops_the_runtime(
    caplog: pytest.LogCaptureFixture,
) -> None:
    application = ChanxLifespan(ProtocolTypeRouter({"websocket": router}))
    assert application.application_mapping["websocket"] is router  # attributes pass through
    runtime = current_runtime()
    assert await _lifespan(application, "startup") == {"type": "lifespan.startup.complete"}
    clients = [await connect("/ws/echo/") for _ in range(3)]
    assert len(runtime.connections) == 3
    watcher = runtime.stalled._task
    assert watcher is not None and not watcher.done()

    with caplog.at_level(logging.INFO, logger="chanx.channels.runtime"):
        communicator = ApplicationCommunicator(application, {"type": "lifespan"})
        await communicator.send_input({"type": "lifespan.startup"})
        await communicator.receive_output(5)
        await communicator.send_input({"type": "lifespan.shutdown"})
        assert await communicator.receive_output(10) == {"type": "lifespan.shutdown.complete"}
    for ws in clients:
        assert await ws.receive_output(5) == {"type": "websocket.close", "code": 1001}
    assert runtime.connections == set()
    assert watcher.done()
    assert any("Closing 3 open connection" in r.getMessage() for r in caplog.records)
    # The stopped runtime was let go: the loop gets a fresh one, and new connections work.
    assert current_runtime() is not runtime
    again = await connect("/ws/echo/")
    await again.disconnect()
    await current_runtime().stop()


async def test_a_layer_that_cannot_be_set_up_fails_the_startup_with_the_reason() -> None:
    broken = {"default": {"BACKEND": "no.such.Layer"}}
    with override_settings(CHANNEL_LAYERS=broken):
        channel_layers.backends.clear()
        try:
            answer = await _lifespan(ChanxLifespan(ProtocolTypeRouter({})), "startup")
        finally:
            channel_layers.backends.clear()
    assert answer["type"] == "lifespan.startup.failed"
    assert "no.such.Layer" in answer["message"]
