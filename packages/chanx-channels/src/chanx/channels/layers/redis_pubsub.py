"""channels_redis's ``RedisPubSubChannelLayer``: channel names as given, a quiet outage.

This layer subscribes a connection's channel when ``new_channel`` creates it, so the
name must be used exactly as returned (no chanx mark); it unsubscribes when a receive is
cancelled, and redis-py subscribes everything again after a reconnect, so groups come
back by themselves after a Redis restart. Messages published while Redis was away are
lost (pub/sub delivers at most once): chanx's numbered broadcasts count them.

While Redis is away, the layer's background reader logs "Unexpected exception in
receive task" with a traceback every second. The adapter turns those into the outage's
one warning (``_OutageFilter``); any other exception is still logged as it was.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

from chanx.channels.layers.base import PROBE_CHANNEL, LayerAdapter
from chanx.channels.outage import layer_failures

PUBSUB_LOGGER = "channels_redis.pubsub"
RECEIVE_FAILURE = "Unexpected exception in receive task"


class _OutageFilter(logging.Filter):
    """Turns the pub/sub reader's "unreachable" tracebacks into the outage of its loop.

    Stateless and installed once per process: the record is logged from the reader task,
    so the running loop's runtime says which adapters' outage it is.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg != RECEIVE_FAILURE or not record.exc_info:
            return True
        error = record.exc_info[1]
        if error is None or not isinstance(error, layer_failures()):
            return True
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return True
        from chanx.channels.runtime import current_runtime

        adapters = [a for a in current_runtime().adapters() if isinstance(a, RedisPubSubAdapter)]
        if not adapters:
            return True
        for adapter in adapters:
            adapter.health.failed(error)
        return False


_OUTAGE_FILTER = _OutageFilter()


class RedisPubSubAdapter(LayerAdapter):
    """``channels_redis.pubsub.RedisPubSubChannelLayer`` under chanx consumers."""

    kind = "Redis pub/sub"

    def start(self) -> None:
        """Fold the reader's outage tracebacks into the outage warning."""
        logging.getLogger(PUBSUB_LOGGER).addFilter(_OUTAGE_FILTER)

    async def stop(self) -> None:
        """Stop the layer's reader task and close its connections for this event loop."""
        await super().stop()
        try:
            await self.layer.flush()
        except layer_failures():
            pass  # nothing to close on a Redis that is gone

    def close_channel(self, channel_name: str) -> Awaitable[None]:
        """Unsubscribe the channel (see :meth:`_unsubscribe`)."""
        return self._unsubscribe(channel_name)

    async def _unsubscribe(self, channel_name: str) -> None:
        """Make sure the channel is unsubscribed, whatever happened to its last receive.

        The layer unsubscribes when a receive is cancelled, but a second cancellation
        (a stopping server, or :func:`~chanx.channels.cancelling.cancel_and_wait`) can
        interrupt that, and a consumer that never got to ``receive`` never unsubscribes.
        Unsubscribing is idempotent in the layer, so it is simply done again here.
        """
        loop_layer = self.layer._get_layer()
        loop_layer.channels.pop(channel_name, None)
        try:
            await loop_layer._get_shard(channel_name).unsubscribe(channel_name)
        except layer_failures():
            pass  # the subscription died with the connection

    async def probe(self) -> None:
        """Publish to a channel nobody subscribes to."""
        await self.layer.send(PROBE_CHANNEL, {"type": "chanx.probe"})


__all__ = ["RedisPubSubAdapter"]
