"""Noticing clients that stopped reading, without a timer per send.

A client that stops reading fills its socket buffers; the next send to it blocks, and with
it everything its consumer would do next. Rather than arm a timeout around every send (a
cost on the hottest path), each consumer stamps the start of a send and one task per
process looks at the stamps once a second, dropping connections stalled longer than their
``send_timeout``.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from typing import TYPE_CHECKING, Any, Protocol

from chanx.channels.cancelling import cancel_and_wait

if TYPE_CHECKING:
    from chanx.channels.runtime import Stats

logger = logging.getLogger("chanx.channels.stalled")

CHECK_INTERVAL = 1.0
"""Seconds between two looks at the consumers' send stamps."""


class _Watched(Protocol):
    send_timeout: float

    def send_stalled_for(self, now: float) -> float: ...

    async def abandon_stalled(self) -> None: ...


class StalledSends:
    """The watch over blocked sends of one event loop's connections.

    Owned by the loop's :class:`~chanx.channels.runtime.ChanxRuntime`, which stops it;
    the connections it drops are counted in ``stats.stalled_connections``. Its task runs
    only while there are connections to watch.
    """

    def __init__(self, stats: Stats) -> None:
        self.stats = stats
        self._consumers: weakref.WeakSet[Any] = weakref.WeakSet()
        self._task: asyncio.Task[None] | None = None
        self._abandoning: set[asyncio.Task[None]] = set()

    def watch(self, consumer: _Watched) -> None:
        """Keep an eye on ``consumer`` for as long as it lives."""
        self._consumers.add(consumer)
        task = self._task
        if task is None or task.done():
            self._task = asyncio.ensure_future(self._run())

    def forget(self, consumer: _Watched) -> None:
        """Stop watching ``consumer`` (its connection ended); the last one ends the watch."""
        self._consumers.discard(consumer)
        if not self._consumers and self._task is not None:
            self._task.cancel()
            self._task = None

    async def stop(self) -> None:
        """End the watch and any drop it started."""
        self._consumers.clear()
        tasks = [t for t in (self._task, *self._abandoning) if t is not None]
        self._task = None
        await cancel_and_wait(tasks)

    async def _run(self) -> None:
        while self._consumers:
            await asyncio.sleep(CHECK_INTERVAL)
            now = time.monotonic()
            for consumer in list(self._consumers):
                if consumer.send_stalled_for(now) > consumer.send_timeout:
                    self._consumers.discard(consumer)
                    self.stats.stalled_connections += 1
                    task = asyncio.ensure_future(consumer.abandon_stalled())
                    # Keep a reference until it is done, or it may be collected midway.
                    self._abandoning.add(task)
                    task.add_done_callback(self._abandoning.discard)


__all__ = ["StalledSends"]
