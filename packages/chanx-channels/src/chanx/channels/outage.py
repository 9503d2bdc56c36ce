"""Riding out an unreachable channel layer, such as a Redis restart.

Without this, a consumer whose channel layer fails dies with a traceback and its client
is disconnected. chanx consumers keep serving their own client's frames, retry the layer
with backoff, restore their group memberships when it answers again, and close with
1012 (service restart) only if it stays away longer than ``layer_recovery_timeout``.
The process logs one warning when an outage starts and one line when it ends, and no
traceback: not even channels_redis's own clean-up tasks leave one (:class:`CheckedCleanups`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from functools import cache
from typing import Any

from chanx.core.errors import ClientError

logger = logging.getLogger("chanx.channels.outage")

CLOSE_SERVICE_RESTART = 1012
"""WebSocket close code telling clients to reconnect later (RFC 6455 registry)."""


class ChannelLayerUnavailable(ClientError):
    """The channel layer could not be reached, so a broadcast or event was not delivered.

    Raised by ``broadcast_message``, ``broadcast_event`` and ``send_event`` (and their
    ``_sync`` variants). A handler that lets it propagate answers its client with an
    ``error`` saying the broadcast failed; server-side code can catch it and retry.
    """


@cache
def layer_failures() -> tuple[type[BaseException], ...]:
    """Exception types that mean "the channel layer is unreachable", not "a bug"."""
    types: list[type[BaseException]] = [OSError]
    try:
        from redis import exceptions as redis_errors
    except ImportError:
        pass
    else:
        types += [redis_errors.ConnectionError, redis_errors.TimeoutError]
    return tuple(types)


@cache
def pool_exhausted() -> tuple[type[BaseException], ...]:
    """Exception types that mean "all pooled connections are busy": load, not an outage."""
    try:
        from redis.exceptions import MaxConnectionsError
    except ImportError:
        return ()
    return (MaxConnectionsError,)


class OutageLog:
    """Process-wide outage state, so a thousand consumers log one line, not a thousand."""

    def __init__(self) -> None:
        self.down_since: float | None = None

    def failed(self, error: BaseException) -> None:
        """Note a failure; the first one of an outage is logged as a warning."""
        if self.down_since is None:
            self.down_since = time.monotonic()
            logger.warning(
                "Channel layer unreachable (%s: %s); connections stay open and retry",
                type(error).__name__,
                error,
            )

    def recovered(self) -> None:
        """Note that the layer answered; the end of an outage is logged once."""
        if self.down_since is not None:
            logger.info(
                "Channel layer reachable again after %.1f s", time.monotonic() - self.down_since
            )
            self.down_since = None


outage_log = OutageLog()


class CheckedCleanups(list[Any]):
    """channels_redis's list of clean-up tasks, with every task's failure looked at.

    After each receive, channels_redis starts a task that clears the message's in-flight
    backup in Redis and never reads its result, so when Redis dies under one, asyncio
    logs "Task exception was never retrieved" with a traceback. Here a failure that means
    "unreachable" becomes part of the outage (its one warning per process); any other is
    logged as one warning line, without a traceback.
    """

    def append(self, task: Any) -> None:
        """Track ``task`` as channels_redis does, and look at how it ended."""
        task.add_done_callback(_note_cleanup)
        super().append(task)


def _note_cleanup(task: asyncio.Future[Any]) -> None:
    if task.cancelled():
        return
    error = task.exception()
    if error is None:
        return
    if isinstance(error, layer_failures()):
        outage_log.failed(error)
    else:
        logger.warning(
            "The channel layer could not clear a received message's backup (%s: %s); "
            "that message may be delivered again",
            type(error).__name__,
            error,
        )


def check_cleanups(layer: Any) -> None:
    """Have ``layer``'s clean-up task failures looked at (channels_redis; others: no-op)."""
    cleanups = getattr(layer, "receive_cleaners", None)
    if type(cleanups) is list:
        layer.receive_cleaners = CheckedCleanups(cleanups)


__all__ = [
    "CLOSE_SERVICE_RESTART",
    "ChannelLayerUnavailable",
    "CheckedCleanups",
    "OutageLog",
    "check_cleanups",
    "layer_failures",
    "outage_log",
    "pool_exhausted",
]
