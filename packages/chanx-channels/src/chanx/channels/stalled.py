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
from typing import Any, Protocol

logger = logging.getLogger("chanx.channels.stalled")

CHECK_INTERVAL = 1.0
"""Seconds between two looks at the consumers' send stamps."""


class _Watched(Protocol):
    send_timeout: float

    def send_stalled_for(self, now: float) -> float: ...

    async def abandon_stalled(self) -> None: ...


class StalledSends:
    """The per-process watch over blocked sends, and the count of connections it dropped."""

    def __init__(self) -> None:
        self.dropped = 0
        self._consumers: weakref.WeakSet[Any] = weakref.WeakSet()
        self._task: asyncio.Task[None] | None = None
        self._abandoning: set[asyncio.Task[None]] = set()

    def watch(self, consumer: _Watched) -> None:
        """Keep an eye on ``consumer`` for as long as it lives."""
        self._consumers.add(consumer)
        task = self._task
        if task is None or task.done() or task.get_loop() is not asyncio.get_running_loop():
            self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        while self._consumers:
            await asyncio.sleep(CHECK_INTERVAL)
            now = time.monotonic()
            for consumer in list(self._consumers):
                if consumer.send_stalled_for(now) > consumer.send_timeout:
                    self._consumers.discard(consumer)
                    self.dropped += 1
                    task = asyncio.ensure_future(consumer.abandon_stalled())
                    # Keep a reference until it is done, or it may be collected midway.
                    self._abandoning.add(task)
                    task.add_done_callback(self._abandoning.discard)


stalled_sends = StalledSends()

__all__ = ["StalledSends", "stalled_sends"]
