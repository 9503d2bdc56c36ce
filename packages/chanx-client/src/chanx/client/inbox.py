"""An unbounded queue of received messages that can be ended, with or without an error.

The client's reader puts every validated message here and the caller's ``async for``
takes them out. When the client stops, the inbox is ended: readers first get what was
already received, then ``StopAsyncIteration`` (a normal close) or the error that stopped
the client. ``asyncio.Queue`` has no such end before Python 3.13.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Generic, TypeVar

T = TypeVar("T")


class Inbox(Generic[T]):
    """Messages waiting for a reader; an async iterator over them until it is ended."""

    __slots__ = ("_ended", "_error", "_items", "_waiters")

    def __init__(self) -> None:
        self._items: deque[T] = deque()
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._ended = False
        self._error: BaseException | None = None

    def __len__(self) -> int:
        return len(self._items)

    @property
    def ended(self) -> bool:
        """Whether :meth:`end` was called (items may still be waiting to be read)."""
        return self._ended

    def put(self, item: T) -> None:
        """Add a message and wake one waiting reader."""
        self._items.append(item)
        self._wake_one()

    def end(self, error: BaseException | None = None) -> None:
        """No more messages will come: readers drain the rest, then stop (or get ``error``)."""
        if self._ended:
            return
        self._ended = True
        self._error = error
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)

    def _wake_one(self) -> None:
        waiters = self._waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def get(self) -> T:
        """The next message; raises ``StopAsyncIteration`` or the end's error once ended."""
        items = self._items
        while not items:
            if self._ended:
                if self._error is not None:
                    raise self._error
                raise StopAsyncIteration
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                # Cancelled after being woken: pass the wake-up on, or a message could wait
                # for a reader that already left.
                if waiter.done() and not waiter.cancelled() and items:
                    self._wake_one()
                raise
        return items.popleft()

    def __aiter__(self) -> Inbox[T]:
        return self

    async def __anext__(self) -> T:
        return await self.get()


__all__ = ["Inbox"]
