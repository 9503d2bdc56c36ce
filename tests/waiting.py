"""Waiting for an outcome instead of sleeping for a fixed time.

A test that sleeps and then asserts passes or fails with the machine's speed: too short on
a slow machine, and on a fast one a wait that was long enough for the scenario may not
be long enough for a timer the server runs. These poll until the outcome is there and fail
with what was awaited and what was seen once a deadline passes::

    wait_until(lambda: "dropped" in server.log(), "the server to log the drop",
               seen=lambda: server.log()[-2000:])
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

DEADLINE = 30.0
"""Seconds to wait for an outcome before failing: generous, since a passing run never
waits this long, only a broken one does."""

INTERVAL = 0.05
"""Seconds between two looks."""


def wait_until(
    check: Callable[[], T],
    what: str,
    *,
    timeout: float = DEADLINE,
    seen: Callable[[], object] | None = None,
) -> T:
    """Call ``check`` until it returns something truthy, and return that.

    Fails with an :class:`AssertionError` naming ``what`` was awaited and what was seen
    (``seen()``, or the last value of ``check``) once ``timeout`` seconds have passed.
    """
    deadline = time.monotonic() + timeout
    while True:
        last = check()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(_timed_out(what, timeout, seen() if seen else last))
        time.sleep(INTERVAL)


async def await_until(
    check: Callable[[], Awaitable[T]],
    what: str,
    *,
    timeout: float = DEADLINE,
    seen: Callable[[], object] | None = None,
) -> T:
    """:func:`wait_until` for a coroutine ``check``, without blocking the event loop."""
    deadline = time.monotonic() + timeout
    while True:
        last = await check()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(_timed_out(what, timeout, seen() if seen else last))
        await asyncio.sleep(INTERVAL)


def _timed_out(what: str, timeout: float, seen: object) -> str:
    return f"waited {timeout:g} s for {what}; saw: {seen}"
