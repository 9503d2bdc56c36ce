"""channels_redis's ``RedisChannelLayer``: its buffers, clean-up tasks and read timeouts.

Three things about this layer need care, all kept here:

* **Buffers of departed channels.** The layer reads the messages of every channel of a
  process from one Redis list and files each in a per-channel queue,
  ``receive_buffer``. A message for a channel whose consumer already left (a broadcast
  sent a moment before the client went) creates a queue nobody reads, kept for the life
  of the process (django/channels_redis#384): about 2 KB per departed connection on the
  soak benchmark. chanx names its channels so they can be told apart
  (:data:`CHANNEL_MARK`) and files messages for departed ones nowhere
  (:class:`ForgetfulBuffers`).
* **Clean-up tasks nobody looks at.** After each receive the layer starts a task that
  clears the message's in-flight backup and never reads its result, so when Redis dies
  under one, asyncio logs "Task exception was never retrieved" with a traceback.
  :class:`CheckedCleanups` makes such a failure part of the outage instead.
* **A read timeout equal to the blocking timeout.** The layer waits for messages with
  ``BZPOPMIN`` for ``brpop_timeout`` (5 s); redis-py 6+ gives up reading a reply after
  ``socket_timeout`` (5 s by default). On an idle, healthy Redis the two race, and the
  client side often loses: ``TimeoutError: Timeout reading from ...`` every few seconds,
  which looks like an outage. The adapter keeps the blocking timeout well under the read
  timeout.
* **Receives that cannot be cancelled.** On Python 3.11 a cancellation can be lost inside
  redis-py (``asyncio.wait_for`` around each command it sends), and the cancelled receive
  then reads from Redis for ever. chanx's own consumers cancel their receives again until
  they end (:mod:`chanx.channels.cancelling`); so that hand-written Channels consumers on
  the same layer cannot hold up a server's shutdown either, the adapter gives the layer a
  ``receive`` that does the same for channels that are not chanx's.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import Any

from chanx.channels.cancelling import cancel_and_wait
from chanx.channels.layers.base import LayerAdapter
from chanx.channels.outage import layer_failures

logger = logging.getLogger("chanx.channels.outage")

CHANNEL_MARK = ".chanx"
"""The end of every chanx channel name on this layer. The layer makes the part after
``!`` from hex digits only, so no other channel name ends like this."""

READ_TIMEOUT_SHARE = 0.5
"""The blocking wait is at most this share of the connections' read timeout."""


class ForgetfulBuffers(defaultdict[str, Any]):
    """channels_redis's receive buffers, minus buffers for chanx channels that have left.

    ``live`` holds the chanx channels of this layer whose consumer still receives; a
    message for a marked channel not in it goes into a fresh queue that is not kept, so
    it is dropped with it instead of staying in memory for good. Other consumers on the
    same layer (hand-written ones, workers) are not affected.
    """

    live: set[str]

    def __missing__(self, channel_name: str) -> Any:
        if channel_name.endswith(CHANNEL_MARK) and channel_name not in self.live:
            assert self.default_factory is not None  # checked before wrapping
            return self.default_factory()
        return super().__missing__(channel_name)


class CheckedCleanups(list[Any]):
    """channels_redis's list of clean-up tasks, with every task's failure looked at.

    A failure that means "unreachable" becomes part of the outage (one warning per
    process); any other is logged as one warning line, without a traceback.
    """

    layer: Any

    def append(self, task: Any) -> None:
        """Track ``task`` as channels_redis does, and look at how it ended."""
        task.add_done_callback(self._note)
        super().append(task)

    def _note(self, task: asyncio.Future[Any]) -> None:
        if task.cancelled():
            return
        error = task.exception()
        if error is None:
            return
        if isinstance(error, layer_failures()):
            # The callback runs on the loop that received: its runtime has the outage.
            from chanx.channels.runtime import current_runtime

            current_runtime().adapter(self.layer).health.failed(error)
        else:
            logger.warning(
                "The channel layer could not clear a received message's backup (%s: %s); "
                "that message may be delivered again",
                type(error).__name__,
                error,
            )


def read_timeout(layer: Any) -> float | None:
    """The read timeout of ``layer``'s Redis connections (None: reads never time out)."""
    from redis import asyncio as aioredis

    pool = layer.create_pool(0)
    kwargs: dict[str, Any] = getattr(pool, "connection_kwargs", {})
    if "socket_timeout" in kwargs:
        timeout: float | None = kwargs["socket_timeout"]
        return timeout
    default: float | None = aioredis.Connection().socket_timeout
    return default


async def _cancellable(receive: Any, channel: str) -> Any:
    """``receive(channel)`` in a task of its own, cancelled again until it has ended."""
    task = asyncio.ensure_future(receive(channel))
    try:
        await asyncio.wait({task})
    except asyncio.CancelledError:
        await cancel_and_wait([task])
        raise
    return task.result()


def _reliable_receive(receive: Any) -> Any:
    """``receive`` made reliably cancellable for every channel that is not chanx's."""

    def reliable(channel: str) -> Any:
        if channel.endswith(CHANNEL_MARK):
            return receive(channel)  # chanx's consumers see to it themselves
        return _cancellable(receive, channel)

    reliable.chanx_reliable = True  # type: ignore[attr-defined]
    return reliable


class RedisCoreAdapter(LayerAdapter):
    """``channels_redis.core.RedisChannelLayer`` under chanx consumers."""

    kind = "Redis"

    def start(self) -> None:
        """Wrap the layer's buffers and clean-up list; keep its blocking wait short."""
        layer = self.layer
        buffers = layer.receive_buffer
        if (
            isinstance(buffers, defaultdict)
            and buffers.default_factory is not None
            and not isinstance(buffers, ForgetfulBuffers)
        ):
            # Swapped without an await in between: no message is filed in the old one.
            wrapped = ForgetfulBuffers(buffers.default_factory, buffers)
            wrapped.live = set()
            layer.receive_buffer = wrapped
        cleanups = layer.receive_cleaners
        if type(cleanups) is list:
            checked = CheckedCleanups(cleanups)
            checked.layer = layer
            layer.receive_cleaners = checked
        self._shorten_blocking_wait()
        if not getattr(layer.receive, "chanx_reliable", False):
            layer.receive = _reliable_receive(layer.receive)

    def _shorten_blocking_wait(self) -> None:
        try:
            timeout = read_timeout(self.layer)
        except Exception:  # an unusual host configuration: leave the layer as it is
            logger.debug("could not read the Redis read timeout", exc_info=True)
            return
        if timeout and self.layer.brpop_timeout >= timeout * READ_TIMEOUT_SHARE:
            self.layer.brpop_timeout = max(timeout * READ_TIMEOUT_SHARE, 0.05)

    @property
    def _live(self) -> set[str] | None:
        buffers = self.layer.receive_buffer
        return buffers.live if isinstance(buffers, ForgetfulBuffers) else None

    async def open_channel(self) -> str:
        """A marked channel name, registered as live."""
        name: str = await self.layer.new_channel() + CHANNEL_MARK
        live = self._live
        if live is not None:
            live.add(name)
        return name

    def close_channel(self, channel_name: str) -> None:
        """Drop the channel's buffer and any message for it that arrives later.

        Only after the consumer's last ``receive`` ended: channels_redis deletes the
        buffer of a cancelled receive itself and must still find it then.
        """
        live = self._live
        if live is not None:
            live.discard(channel_name)
        buffers = self.layer.receive_buffer
        if isinstance(buffers, dict):
            buffers.pop(channel_name, None)


__all__ = [
    "CHANNEL_MARK",
    "CheckedCleanups",
    "ForgetfulBuffers",
    "RedisCoreAdapter",
    "read_timeout",
]
