"""The one owner of chanx's per-process and per-event-loop state, with a start and a stop.

A server process runs chanx consumers on one event loop (uvicorn, daphne) or on several
(tests, ``async_to_sync`` from sync code). What they share lives in two objects:

* :class:`ChanxProcess` (one per process, renewed in a forked child): the numbering of
  server-side events and the counters operators read (:class:`Stats`).
* :class:`ChanxRuntime` (one per event loop): the adapters of the channel layers in use
  (:mod:`chanx.channels.layers`, each with its :class:`~chanx.channels.outage.LayerHealth`),
  the watch over stalled sends, the database clean-up schedule, and the connections
  being served. :meth:`ChanxRuntime.stop` closes those connections (1001, going away),
  stops every task the runtime started and releases the layers.

A runtime starts by itself with the first connection of its loop. Wrap the ASGI
application in :class:`chanx.channels.lifespan.ChanxLifespan` to start it when the
server starts and stop it when the server stops (servers that speak the ASGI lifespan
protocol: uvicorn, hypercorn). Read the current one with :func:`current_runtime`.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import os
import weakref
from dataclasses import dataclass
from typing import Any, Protocol

from chanx.channels.cancelling import cancel_and_wait
from chanx.channels.db import CleanupSchedule
from chanx.channels.layers import LayerAdapter, adapter_for
from chanx.channels.numbering import EventNumbering
from chanx.channels.stalled import StalledSends

logger = logging.getLogger("chanx.channels.runtime")

CLOSE_GOING_AWAY = 1001
"""WebSocket close code of a connection closed because the server is stopping."""

STOP_TIMEOUT = 5.0
"""Seconds :meth:`ChanxRuntime.stop` waits for connections to end before cancelling them."""


@dataclass
class Stats:
    """What chanx counted in this process, for operators and tests."""

    lost_broadcasts: int = 0
    """Broadcasts and events that never reached a connection (gaps in sender numbers)."""
    dropped_deliveries: int = 0
    """Messages the channel layer refused because a recipient's queue was full."""
    stalled_connections: int = 0
    """Connections dropped because their client stopped reading (``send_timeout``)."""


class _Served(Protocol):
    async def shut_down(self, code: int) -> None: ...


class RuntimeState(enum.Enum):
    """Where a runtime is in its life."""

    RUNNING = "running"
    STOPPING = "stopping"
    STOPPED = "stopped"


class ChanxRuntime:
    """chanx's state for one event loop: layer adapters, watchers, served connections."""

    def __init__(self, process: ChanxProcess, loop: asyncio.AbstractEventLoop) -> None:
        self.process = process
        # Weak: the process keeps runtimes in a dict keyed weakly by their loop.
        self._loop = weakref.ref(loop)
        self.state = RuntimeState.RUNNING
        self.stats = process.stats
        self.numbering = process.numbering
        self.cleanup = CleanupSchedule()
        self.stalled = StalledSends(self.stats)
        self.last_push: asyncio.Task[None] | None = None
        """The latest model-stream publishing task started on this loop; the next one waits
        for it, so pushes leave in commit order (``chanx.channels.model_topics``)."""
        self.connections: set[_Served] = set()
        self._adapters: dict[int, tuple[Any, LayerAdapter]] = {}

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The event loop this runtime belongs to (None once it is gone)."""
        return self._loop()

    @property
    def running(self) -> bool:
        """Whether new connections are served (not stopping or stopped)."""
        return self.state is RuntimeState.RUNNING

    def adapter(self, layer: Any) -> LayerAdapter:
        """The started adapter of ``layer`` for this event loop."""
        entry = self._adapters.get(id(layer))
        if entry is not None and entry[0] is layer:
            return entry[1]
        adapter = adapter_for(layer)
        adapter.start()
        self._adapters[id(layer)] = (layer, adapter)
        return adapter

    def adapters(self) -> list[LayerAdapter]:
        """The adapters started so far, in the order their layers were first used."""
        return [adapter for _, adapter in self._adapters.values()]

    def start_layers(self) -> None:
        """Start the adapters of every layer in ``CHANNEL_LAYERS`` now, not on first use."""
        from channels.layers import channel_layers

        for alias in channel_layers.configs:
            self.adapter(channel_layers[alias])

    def serve(self, connection: _Served) -> None:
        """Count ``connection`` as served until :meth:`release`; stop closes it."""
        self.connections.add(connection)

    def release(self, connection: _Served) -> None:
        """``connection`` has ended."""
        self.connections.discard(connection)

    async def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Close the connections still served (1001), end every task, release the layers.

        Connections get ``timeout`` seconds to end on their own (their ``disconnect`` runs
        and their groups are left); whatever is still running then is cancelled.
        """
        if self.state is not RuntimeState.RUNNING:
            return
        self.state = RuntimeState.STOPPING
        connections = list(self.connections)
        if connections:
            logger.info("Closing %d open connection(s) (1001, going away)", len(connections))
            closing = [
                asyncio.ensure_future(connection.shut_down(CLOSE_GOING_AWAY))
                for connection in connections
            ]
            _, late = await asyncio.wait(closing, timeout=timeout)
            await cancel_and_wait(late)
        await self.stalled.stop()
        if self.last_push is not None:
            # Committed changes still on their way out get the same grace as connections.
            _, late = await asyncio.wait({self.last_push}, timeout=timeout)
            await cancel_and_wait(late)
            self.last_push = None
        for adapter in self.adapters():
            try:
                await adapter.stop()
            except Exception:
                logger.warning("Could not release %s", adapter.kind, exc_info=True)
        self._adapters.clear()
        self.state = RuntimeState.STOPPED
        self.process.forget(self)


class ChanxProcess:
    """chanx's state for one server process: event numbering, counters, runtimes."""

    def __init__(self) -> None:
        self.stats = Stats()
        self.numbering = EventNumbering()
        self._runtimes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ChanxRuntime] = (
            weakref.WeakKeyDictionary()
        )
        self._last: ChanxRuntime | None = None

    def runtime(self, loop: asyncio.AbstractEventLoop | None = None) -> ChanxRuntime:
        """The runtime of ``loop`` (default: the running loop), created on first use."""
        if loop is None:
            loop = asyncio.get_running_loop()
        last = self._last
        if last is not None and last.loop is loop:
            return last
        runtime = self._runtimes.get(loop)
        if runtime is None:
            runtime = self._runtimes[loop] = ChanxRuntime(self, loop)
        self._last = runtime
        return runtime

    def forget(self, runtime: ChanxRuntime) -> None:
        """Drop a stopped runtime; the next use of its loop gets a fresh one."""
        loop = runtime.loop
        if loop is not None and self._runtimes.get(loop) is runtime:
            del self._runtimes[loop]
        if self._last is runtime:
            self._last = None

    def _after_fork(self) -> None:
        # A forked child shares nothing with its parent: not its loops, not its senders.
        self.stats = Stats()
        self.numbering = EventNumbering()
        self._runtimes = weakref.WeakKeyDictionary()
        self._last = None


_process = ChanxProcess()
os.register_at_fork(after_in_child=_process._after_fork)


def chanx_process() -> ChanxProcess:
    """This process's :class:`ChanxProcess`."""
    return _process


def current_runtime() -> ChanxRuntime:
    """The :class:`ChanxRuntime` of the running event loop (created on first use)."""
    return _process.runtime()


__all__ = [
    "CLOSE_GOING_AWAY",
    "ChanxProcess",
    "ChanxRuntime",
    "RuntimeState",
    "Stats",
    "chanx_process",
    "current_runtime",
]
