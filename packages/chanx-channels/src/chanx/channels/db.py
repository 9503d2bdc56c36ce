"""Closing stale database connections without a thread hop per message."""

from __future__ import annotations

import time

from channels.db import aclose_old_connections

DB_CLEANUP_INTERVAL = 1.0
"""Seconds between two closings of stale database connections by chanx consumers."""


class CleanupSchedule:
    """When chanx consumers of one event loop last closed stale database connections.

    Channels does this before every message a consumer gets, with a hop into its database
    thread (40-200 µs of CPU here: more than the rest of an echo round trip). Once per
    second per process still keeps a dropped or expired connection from lingering under
    async ORM calls; ORM work wrapped in ``database_sync_to_async`` is cleaned around
    every call anyway. The check is synchronous so a message costs no coroutine when no
    cleanup is due.
    """

    __slots__ = ("last",)

    def __init__(self) -> None:
        self.last = float("-inf")

    def due(self) -> bool:
        """Whether a cleanup is due now; if so, it counts as done from now on."""
        now = time.monotonic()
        if now - self.last < DB_CLEANUP_INTERVAL:
            return False
        self.last = now
        return True


async def close_old_connections() -> None:
    """Close unusable or expired database connections (in Channels' database thread)."""
    await aclose_old_connections()


__all__ = ["DB_CLEANUP_INTERVAL", "CleanupSchedule", "close_old_connections"]
