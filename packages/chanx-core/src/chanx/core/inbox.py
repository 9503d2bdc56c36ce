"""A bounded per-connection queue of client frames, drained by a fixed number of workers.

Handling frames outside the transport's receive loop is what keeps a slow handler from
holding up broadcasts and events addressed to the same client. One worker (the default)
handles frames in arrival order; more workers handle frames concurrently, up to that
many at once. The queue is bounded, so a client that sends faster than its handlers run
is slowed down (``put`` waits) instead of growing memory or spawning a task per frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)


class FrameInbox:
    """Queue and workers of one connection: ``start``, ``put`` per frame, ``stop`` at the end."""

    def __init__(
        self,
        handle: Callable[[str | bytes], Awaitable[None]],
        *,
        workers: int = 1,
        max_pending: int = 64,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self._handle = handle
        self._queue: asyncio.Queue[str | bytes] = asyncio.Queue(max_pending)
        self._worker_count = workers
        self._tasks: list[asyncio.Task[None]] = []
        self._started = False

    @property
    def running(self) -> bool:
        """Whether workers may drain the queue (between ``start`` and ``stop``)."""
        return self._started

    def start(self) -> None:
        """Let workers drain the queue; frames queued before this are handled first, in order.

        Workers are created on the first frame, not here: a connection that sends nothing
        (or only listens to broadcasts) costs no task.
        """
        self._started = True
        if not self._queue.empty():
            self._spawn()

    def _spawn(self) -> None:
        self._tasks = [asyncio.ensure_future(self._work()) for _ in range(self._worker_count)]

    async def put(self, frame: str | bytes) -> None:
        """Queue a frame, waiting while the queue is full."""
        if self._started and not self._tasks:
            self._spawn()
        await self._queue.put(frame)

    async def _work(self) -> None:
        get, handle = self._queue.get, self._handle
        while True:
            frame = await get()
            try:
                await handle(frame)
            except Exception:
                # The consumer reports handler failures itself; this only keeps a bug in
                # that reporting from silently killing the connection's worker.
                logger.exception("Unhandled error while handling a frame")

    async def stop(self) -> None:
        """Cancel the workers and drop frames not yet handled."""
        self._started = False
        tasks, self._tasks = self._tasks, []
        current = asyncio.current_task()
        for task in tasks:
            task.cancel()
        for task in tasks:
            if task is not current:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        while not self._queue.empty():
            self._queue.get_nowait()


__all__ = ["FrameInbox"]
