"""Ending tasks for good, even when a library swallows their cancellation.

On Python 3.11 and older, ``asyncio.wait_for`` loses a cancellation that arrives as
the awaited operation completes (python/cpython#86296, fixed in 3.12), and redis-py
wraps every command it sends in one. A connection's layer loop cancelled at that moment
went on reading from Redis with nobody to read for, for ever: the server could not exit
on SIGTERM. :func:`cancel_and_wait` cancels again until the task has really ended, as
anyio's cancel scopes do, so one lost cancellation costs one retry interval.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

RETRY_INTERVAL = 0.25
"""Seconds between two cancellations of a task that is still running: long enough for
the clean-up a cancelled library call does (unsubscribing, closing a socket), short
enough that a lost cancellation does not hold up a server's shutdown."""


async def cancel_and_wait(tasks: Iterable[asyncio.Future[Any]]) -> None:
    """Cancel ``tasks`` and wait until every one has ended, re-cancelling the stubborn.

    Their results and exceptions are not looked at (the caller has what it needed).
    If the waiting task is itself cancelled, the cancellation propagates after the
    tasks were cancelled once more.
    """
    tasks = list(tasks)
    pending = {task for task in tasks if not task.done()}
    while pending:
        for task in pending:
            task.cancel()
        try:
            _, pending = await asyncio.wait(pending, timeout=RETRY_INTERVAL)
        except asyncio.CancelledError:
            for task in pending:
                task.cancel()
            raise
    for task in tasks:
        if not task.cancelled():
            task.exception()  # retrieved: no "exception was never retrieved" warning


__all__ = ["RETRY_INTERVAL", "cancel_and_wait"]
