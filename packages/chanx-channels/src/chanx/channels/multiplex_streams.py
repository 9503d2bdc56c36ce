"""One sub-consumer of a multiplexed connection, run as a real consumer through ASGI.

A :class:`SubConsumerStream` gives its consumer what a server would: a ``receive`` fed
from an in-memory queue (the connect, then the client frames the demultiplexer routes
to it, then the disconnect) and a ``send`` that wraps every text frame it sends in the
stream's envelope. The consumer runs its own ``__call__``: its own channel name, its own
channel-layer loop, its own groups, its own settings and authenticator. Nothing about it
changes to be multiplexed.

Frames for the stream are handled by the consumer's one client loop, so they are handled
and answered in the order the client sent them, as on a route of its own.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from typing import TYPE_CHECKING, Any, Protocol

from chanx.channels.multiplex_envelope import CONNECT_COMPLETE_KEY
from chanx.channels.websocket import ConnectionState

if TYPE_CHECKING:
    from chanx.channels.websocket import AsyncJsonWebsocketConsumer

logger = logging.getLogger("chanx.channels.multiplex")


class StreamState(enum.Enum):
    """Where a stream is in its life; frames are routed to it only when ``OPEN``."""

    CONNECTING = "connecting"
    OPEN = "open"
    CLOSED = "closed"


class StreamOwner(Protocol):
    """What a stream needs from its demultiplexer."""

    async def send_text(self, text: str) -> None:
        """Send one text frame to the client."""

    async def stream_closed(self, stream: SubConsumerStream) -> None:
        """The stream closed for good (its consumer closed, failed or ended)."""


class SubConsumerStream:
    """The sub-consumer behind one envelope key: its queue, its task, its state."""

    def __init__(
        self,
        key: str,
        consumer_class: type[AsyncJsonWebsocketConsumer[Any]],
        prefix: str,
        owner: StreamOwner,
    ) -> None:
        self.key = key
        self.consumer = consumer_class()
        self.state = StreamState.CONNECTING
        self.reported = False
        """Whether the client was told this stream closed (at most once)."""
        self._prefix = prefix
        self._owner = owner
        # Room for the connect and the disconnect besides the frames: a full queue makes
        # the demultiplexer wait, which slows the client down as a single consumer would.
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(
            consumer_class.max_pending_frames + 2
        )
        self._ending = False
        self._accepted = False
        self.connected: asyncio.Future[None] | None = None
        """Done once the consumer's ``websocket_connect`` finished (or it ended)."""
        self.task: asyncio.Task[None] | None = None

    def start(self, scope: dict[str, Any]) -> None:
        """Start the consumer with a copy of the connection's ``scope``."""
        self.connected = asyncio.get_running_loop().create_future()
        scope = {**scope, CONNECT_COMPLETE_KEY: self._connect_complete}
        self._queue.put_nowait({"type": "websocket.connect"})
        self.task = asyncio.ensure_future(self._run(scope))

    async def feed(self, text: str) -> None:
        """Hand the consumer one client frame (waits while its queue is full)."""
        await self._queue.put({"type": "websocket.receive", "text": text})

    def end(self, code: int) -> None:
        """Tell the consumer its client left; frames not yet handled are dropped."""
        if self._ending:
            return
        self._ending = True
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait({"type": "websocket.disconnect", "code": code})

    @property
    def running(self) -> bool:
        """Whether the consumer's task has not ended yet."""
        return self.task is not None and not self.task.done()

    def _connect_complete(self) -> None:
        # A chanx consumer is OPEN once connected; CLOSED when refused; still CONNECTING
        # when an exception is propagating out of websocket_connect.
        if self.state is StreamState.CONNECTING:
            opened = self._accepted and self.consumer.connection_state is ConnectionState.OPEN
            self.state = StreamState.OPEN if opened else StreamState.CLOSED
        if self.connected is not None and not self.connected.done():
            self.connected.set_result(None)

    async def _run(self, scope: dict[str, Any]) -> None:
        try:
            await self.consumer(scope, self._queue.get, self._send)
        except Exception:
            logger.exception("Sub-consumer %r (%s) failed", self.key, type(self.consumer).__name__)
        finally:
            self.state = StreamState.CLOSED
            if self.connected is not None and not self.connected.done():
                self.connected.set_result(None)
            await self._owner.stream_closed(self)

    async def _send(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "websocket.send":
            text = message.get("text")
            if text is None:
                logger.warning(
                    "Sub-consumer %r (%s) sent a binary frame; only text frames are "
                    "multiplexed, so it was dropped",
                    self.key,
                    type(self.consumer).__name__,
                )
            elif self.state is not StreamState.CLOSED:
                # Spliced, not re-encoded: the consumer's text is already final JSON.
                await self._owner.send_text(self._prefix + text + "}")
        elif kind == "websocket.accept":
            self._accepted = True
        elif kind == "websocket.close":
            self.state = StreamState.CLOSED
            self.end(message.get("code") or 1000)
            await self._owner.stream_closed(self)


__all__ = ["StreamOwner", "StreamState", "SubConsumerStream"]
