"""Riding out an unreachable channel layer, such as a Redis restart.

Without this, a consumer whose channel layer fails dies with a traceback and its client
is disconnected. chanx consumers keep serving their own client's frames, wait for the
layer to answer again, restore their group memberships, and close with 1012 (service
restart) only if it stays away longer than ``layer_recovery_timeout``.

One :class:`LayerHealth` per channel layer and event loop tells "unreachable" apart from
everything else, logs one warning when an outage starts and one line when it ends, and
probes the layer while it is down, so that the moment it answers, every connection of
the process learns it at once from one signal (not each after its own backoff).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import weakref
from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any, Protocol

from chanx.channels.cancelling import cancel_and_wait
from chanx.core.errors import ClientError

logger = logging.getLogger("chanx.channels.outage")

CLOSE_SERVICE_RESTART = 1012
"""WebSocket close code telling clients to reconnect later (RFC 6455 registry)."""

UNDELIVERED = (
    "The message could not be delivered: the channel layer is unavailable. Try again shortly."
)

POOL_WAIT = 0.05
"""Seconds to wait before retrying when every pooled layer connection is busy."""

POOL_RETRIES = 40
"""How many times (about two seconds) a call waits for a free pooled connection."""

PROBE_INTERVAL = 0.1
"""Seconds between two probes of a layer that is down (one probe per process, not per
connection, so probing often costs nothing and recovery is noticed quickly)."""

WARNING_INTERVAL = 10.0
"""Seconds after an outage warning during which a new outage is logged at INFO only: a
reader that learns of a Redis restart after the first call already succeeded again is
the same outage to an operator, not a second one."""

REJOIN_CONCURRENCY = 64
"""How many connections of one process restore their groups at the same time."""


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


def raise_if_cancelled(error: BaseException) -> None:
    """Re-raise a cancellation that a library turned into a timeout or connection error.

    ``asyncio.timeout`` (used by redis-py around every read) turns a cancellation that
    arrives as its own deadline expires into ``TimeoutError``; redis-py then reports it as
    ``Timeout reading from ...``. Taken for an outage, the cancellation would be lost and
    the cancelled task would live on. A task that has been asked to cancel is cancelled,
    whatever the exception says.
    """
    task = asyncio.current_task()
    cancelling = getattr(task, "cancelling", None)
    if cancelling is not None and cancelling():
        raise asyncio.CancelledError() from error


class GroupMember(Protocol):
    """A connection that belongs to groups on a layer (the consumer, for the health)."""

    async def rejoin_groups(self) -> None:
        """Add the connection to its groups again (a restarted Redis forgot them)."""


class LayerHealth:
    """Whether one channel layer answers, for every connection of one event loop.

    :meth:`call` runs layer operations and classifies their failures; the first failure
    of an outage is logged once and starts one probe task. When a probe (or any call)
    succeeds, the outage ends for everyone at once: receivers waiting in
    :meth:`wait_until_reachable` resume, and one task restores the groups of every
    registered member (:meth:`register`), :data:`REJOIN_CONCURRENCY` at a time, whether
    or not that connection noticed the outage itself. New connections wait until that is
    done (:meth:`settled`), so a broadcast sent through a new connection reaches the old
    ones too.
    """

    def __init__(self, probe: Callable[[], Awaitable[Any]], name: str = "channel layer") -> None:
        self.name = name
        self.down_since: float | None = None
        self._warned_at = float("-inf")
        self._probe = probe
        self._reachable = asyncio.Event()
        self._reachable.set()
        self._settled = asyncio.Event()
        self._settled.set()
        self._probing: asyncio.Task[None] | None = None
        self._rejoining: asyncio.Task[None] | None = None
        self._members: weakref.WeakSet[Any] = weakref.WeakSet()

    @property
    def down(self) -> bool:
        """Whether the layer is currently known to be unreachable."""
        return self.down_since is not None

    def register(self, member: GroupMember) -> None:
        """Restore ``member``'s groups after every outage, until :meth:`unregister`."""
        self._members.add(member)

    def unregister(self, member: GroupMember) -> None:
        """``member`` left its groups."""
        self._members.discard(member)

    async def call(self, operation: Callable[..., Awaitable[Any]], *args: Any) -> Any:
        """Run a layer call; turn "unreachable" into :class:`ChannelLayerUnavailable`.

        A failed call is retried once at once: after a Redis restart, each pooled
        connection fails on its first use and is replaced, so one failure alone does not
        mean an outage. An exhausted connection pool is load, not an outage: the call waits
        for a free connection (raise the pool size with ``?max_connections=N`` in the Redis
        URL). A cancelled call stays cancelled (:func:`raise_if_cancelled`).
        """
        failures, busy = layer_failures(), pool_exhausted()
        retried = False
        for _ in range(POOL_RETRIES):
            try:
                result = await operation(*args)
            except busy:
                await asyncio.sleep(POOL_WAIT)
            except failures as exc:
                raise_if_cancelled(exc)
                if retried:
                    self.failed(exc)
                    raise ChannelLayerUnavailable(UNDELIVERED) from exc
                retried = True
            else:
                if self.down_since is not None:
                    self.recovered()
                return result
        raise ChannelLayerUnavailable(UNDELIVERED)

    def failed(self, error: BaseException) -> None:
        """Note a failure; the first one of an outage is logged and starts the probe."""
        if self.down_since is not None:
            return
        self.down_since = now = time.monotonic()
        self._reachable.clear()
        self._settled.clear()
        level = logging.WARNING if now - self._warned_at >= WARNING_INTERVAL else logging.INFO
        if level == logging.WARNING:
            self._warned_at = now
        logger.log(
            level,
            "Channel layer unreachable (%s: %s); connections stay open and retry [%s]",
            type(error).__name__,
            error,
            self.name,
        )
        if self._probing is None or self._probing.done():
            self._probing = asyncio.ensure_future(self._probe_until_reachable())

    def recovered(self) -> None:
        """Note that the layer answered: end the outage, restore every member's groups."""
        if self.down_since is None:
            return
        logger.info(
            "Channel layer reachable again after %.1f s [%s]",
            time.monotonic() - self.down_since,
            self.name,
        )
        self.down_since = None
        self._reachable.set()
        if self._rejoining is None or self._rejoining.done():
            self._rejoining = asyncio.ensure_future(self._rejoin_members())

    async def _probe_until_reachable(self) -> None:
        failures = layer_failures()
        while self.down_since is not None:
            await asyncio.sleep(PROBE_INTERVAL * random.uniform(0.5, 1.0))
            try:
                await self._probe()
            except failures as exc:
                raise_if_cancelled(exc)
            except Exception:
                # Not "unreachable", but not an answer either: keep probing, say why.
                logger.warning("Probing the %s failed unexpectedly", self.name, exc_info=True)
            else:
                self.recovered()

    async def _rejoin_members(self) -> None:
        """Restore the groups of every member, a bounded number at a time."""
        slots = asyncio.Semaphore(REJOIN_CONCURRENCY)

        async def rejoin(member: GroupMember) -> None:
            async with slots:
                if self.down_since is None:
                    await member.rejoin_groups()

        results = await asyncio.gather(
            *(rejoin(member) for member in list(self._members)), return_exceptions=True
        )
        for result in results:
            if isinstance(result, ChannelLayerUnavailable):
                return  # down again: the next recovery rejoins everyone once more
            if isinstance(result, Exception):
                logger.warning(
                    "A connection could not rejoin its groups (%s: %s)",
                    type(result).__name__,
                    result,
                )
        if self.down_since is None:
            self._settled.set()

    async def wait_until_reachable(self, timeout: float) -> bool:
        """Wait until the layer answers again; False if ``timeout`` seconds passed first."""
        if self._reachable.is_set():
            return True
        try:
            await asyncio.wait_for(self._reachable.wait(), max(timeout, 0.0))
        except asyncio.TimeoutError:
            return False
        return True

    async def settled(self, timeout: float) -> None:
        """Wait (at most ``timeout`` s) until the members' groups are restored."""
        if self._settled.is_set():
            return
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._settled.wait(), timeout)

    async def stop(self) -> None:
        """Stop probing and rejoining (the event loop is shutting down)."""
        tasks = [t for t in (self._probing, self._rejoining) if t is not None and not t.done()]
        self._probing = self._rejoining = None
        await cancel_and_wait(tasks)


__all__ = [
    "CLOSE_SERVICE_RESTART",
    "ChannelLayerUnavailable",
    "GroupMember",
    "LayerHealth",
    "layer_failures",
    "pool_exhausted",
    "raise_if_cancelled",
]
