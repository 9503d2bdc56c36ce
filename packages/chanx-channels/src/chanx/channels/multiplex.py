"""Many consumers on one WebSocket: the demultiplexer.

:class:`AsyncJsonWebsocketDemultiplexer` maps envelope keys to existing consumer classes
and serves them all over one connection. A frame for one of them is wrapped in an
envelope, and so is everything it sends back::

    -> {"version": 1, "consumer": "chat", "message": {"action": "say", "payload": {...}}}
    <- {"version": 1, "consumer": "chat", "message": {"action": "said", "payload": {...}}}

Frames without the consumer field are the demultiplexer's own: it is a full chanx
consumer, with its own ``@ws_handler`` methods and authenticator. Each sub-consumer runs
as a real consumer (:mod:`chanx.channels.multiplex_streams`); once every one has finished
connecting, the client gets one ``multiplex_ready`` message listing the streams it can use.
The wire contract is documented in ``docs/multiplexing.md``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from chanx.channels.cancelling import cancel_and_wait
from chanx.channels.multiplex_envelope import (
    DEFAULT_CONSUMER_FIELD,
    DEFAULT_ENVELOPE_VERSION,
    DEFAULT_MESSAGE_FIELD,
    DEFAULT_VERSION_FIELD,
    EnvelopeFormat,
    EnvelopeProblem,
)
from chanx.channels.multiplex_streams import StreamState, SubConsumerStream
from chanx.channels.websocket import AsyncJsonWebsocketConsumer, ConnectionState
from chanx.core.codec import FrameError
from chanx.core.consumer import EventT
from chanx.core.envelope import Envelope, with_prefix
from chanx.messages.base import BaseMessage
from chanx.messages.outgoing import (
    MultiplexErrorMessage,
    MultiplexReadyMessage,
    MultiplexReadyPayload,
)

logger = logging.getLogger("chanx.channels.multiplex")

ConsumerClass = type[AsyncJsonWebsocketConsumer[Any]]


@dataclass(frozen=True)
class MultiplexSpec:
    """What a demultiplexer class serves, checked once when the class is created.

    The AsyncAPI generator reads it (``__chanx_multiplex__``) to document the route.
    """

    envelope: EnvelopeFormat
    consumers: tuple[tuple[str, ConsumerClass], ...]


class AsyncJsonWebsocketDemultiplexer(AsyncJsonWebsocketConsumer[EventT]):
    """Serves several chanx consumers over one WebSocket, one envelope key each.

    ::

        class AppDemultiplexer(AsyncJsonWebsocketDemultiplexer):
            consumers = {"chat": ChatConsumer, "notifications": NotificationConsumer}

            @ws_handler
            async def handle_ping(self, message: PingMessage) -> PongMessage:
                return PongMessage()

    Mount it like any consumer (``path("ws/app/", AppDemultiplexer.as_asgi())``). The
    sub-consumers need no change: each runs as a real consumer with its own channel,
    groups, authenticator and settings, and a consumer class can be multiplexed and
    served on a route of its own at the same time.

    * Its own ``authenticator_class`` authenticates the shared connection first; if it
      refuses, the connection closes and no sub-consumer starts. Sub-consumers then run
      their own authenticators; one that refuses closes its stream only.
    * Frames for one stream are handled and answered in the order they were sent (each
      sub-consumer handles its frames in order, as on its own route); streams do not wait
      for one another.
    * Errors about the envelope itself (malformed, unsupported version, unknown or
      unavailable key) and the demultiplexer's own messages are sent unwrapped; whatever a
      sub-consumer sends (its errors and completion signals included) is enveloped.
    """

    consumers: ClassVar[Mapping[str, ConsumerClass]] = {}
    """Envelope key → consumer class (the class itself, not ``as_asgi()``)."""

    envelope_consumer_field: ClassVar[str] = DEFAULT_CONSUMER_FIELD
    """Envelope field naming the sub-consumer; never camelized."""

    envelope_message_field: ClassVar[str] = DEFAULT_MESSAGE_FIELD
    """Envelope field holding the sub-consumer's message; never camelized."""

    envelope_version_field: ClassVar[str] = DEFAULT_VERSION_FIELD
    """Envelope field carrying the envelope version; never camelized."""

    envelope_version: ClassVar[int] = DEFAULT_ENVELOPE_VERSION
    """Version stamped on every envelope sent, and required of received ones stating one."""

    child_connect_timeout: ClassVar[float] = 5.0
    """Seconds sub-consumers have to finish connecting; later ones are unavailable."""

    child_shutdown_timeout: ClassVar[float] = 5.0
    """Seconds sub-consumers have to end after the client left, before they are cancelled."""

    __chanx_multiplex__: ClassVar[MultiplexSpec]
    _streams: dict[str, SubConsumerStream]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.__chanx_multiplex__ = _multiplex_spec(cls)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Serve the connection; every sub-consumer has ended when this returns."""
        self._streams = {}
        try:
            await super().__call__(scope, receive, send)
        finally:
            # Only reached with streams running when this connection was cancelled
            # (stopping server, stalled client): they end now, not after a grace period.
            await self._end_streams(1001, grace=0)

    async def websocket_connect(self, message: dict[str, Any]) -> None:
        """Connect as a consumer, then start every sub-consumer and send ``multiplex_ready``."""
        await super().websocket_connect(message)
        if self.connection_state is ConnectionState.OPEN:
            await self._open_streams()

    async def _open_streams(self) -> None:
        spec = type(self).__chanx_multiplex__
        envelope = spec.envelope
        scope = dict(self.scope)
        for key, consumer_class in spec.consumers:
            stream = SubConsumerStream(key, consumer_class, envelope.prefix(key), self)
            self._streams[key] = stream
            stream.start(scope)
        waiting = [stream.connected for stream in self._streams.values() if stream.connected]
        if waiting:
            await asyncio.wait(waiting, timeout=self.child_connect_timeout)
        for stream in self._streams.values():
            if stream.state is StreamState.CONNECTING:
                await self._give_up_on(stream)
            elif stream.state is StreamState.CLOSED:
                await self.stream_closed(stream)
        if self.connection_state is not ConnectionState.OPEN:
            return
        ready = [key for key, stream in self._streams.items() if stream.state is StreamState.OPEN]
        unavailable = [key for key in self._streams if key not in ready]
        payload = MultiplexReadyPayload(
            version=envelope.version, ready=ready, unavailable=unavailable
        )
        await self._send_own(MultiplexReadyMessage(payload=payload))

    async def _give_up_on(self, stream: SubConsumerStream) -> None:
        """A sub-consumer still connecting after ``child_connect_timeout`` is unavailable."""
        logger.warning(
            "%s: sub-consumer %r did not finish connecting within %g s; it is unavailable",
            type(self).__qualname__,
            stream.key,
            self.child_connect_timeout,
        )
        stream.state = StreamState.CLOSED
        stream.reported = True
        stream.end(1011)
        envelope = type(self).__chanx_multiplex__.envelope
        detail = (
            f"Consumer {stream.key!r} did not finish connecting within "
            f"{self.child_connect_timeout:g} s"
        )
        await self._send_own(MultiplexErrorMessage(payload=envelope.error(detail, stream.key)))

    async def stream_closed(self, stream: SubConsumerStream) -> None:
        """Tell the client, once, that ``stream`` closed; the other streams go on."""
        if stream.reported:
            return
        stream.reported = True
        if self.connection_state is not ConnectionState.OPEN or not self._runtime.running:
            return  # The whole connection is ending: nothing to isolate.
        envelope = type(self).__chanx_multiplex__.envelope
        detail = f"Consumer {stream.key!r} closed the connection"
        await self._send_own(MultiplexErrorMessage(payload=envelope.error(detail, stream.key)))

    async def _send_own(self, message: BaseMessage, prefix: str = "") -> None:
        # Straight to the socket: this may run in a sub-consumer's task, whose context
        # holds its own reply prefix (and held messages) that must not apply here.
        await self.send_text(with_prefix(self.codec.encode(message), prefix))

    async def chanx_handle_frame(self, frame: str | bytes) -> None:
        """Route an enveloped frame to its stream; handle any other frame as a consumer."""
        envelope = type(self).__chanx_multiplex__.envelope
        if isinstance(frame, str) and envelope.marker in frame:
            try:
                data: dict[str, Any] | None = self.codec.parse(frame)
            except FrameError:
                data = None  # The consumer's own handling reports it.
            if data is not None and envelope.consumer_field in data:
                await self._route(envelope, data)
                return
        await super().chanx_handle_frame(frame)

    async def _route(self, envelope: EnvelopeFormat, data: dict[str, Any]) -> None:
        ref: str | int | None = None
        try:
            routed = envelope.read(data)
            ref = routed.ref
            stream = self._streams.get(routed.key)
            if stream is None:
                known = ", ".join(repr(key) for key in self._streams) or "none"
                raise EnvelopeProblem(
                    envelope.error(
                        f"Unknown consumer {routed.key!r}; this connection serves {known}",
                        routed.key,
                    ),
                    ref,
                )
            if stream.state is not StreamState.OPEN:
                raise EnvelopeProblem(
                    envelope.error(f"Consumer {routed.key!r} is unavailable", routed.key), ref
                )
        except EnvelopeProblem as problem:
            prefix = Envelope(ref=problem.ref).reply_prefix
            await self._send_own(MultiplexErrorMessage(payload=problem.payload), prefix)
            if self.chanx_options.send_completion:
                await self.send_text(with_prefix(self.codec.complete_text, prefix))
            return
        await stream.feed(routed.text)

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        """End every sub-consumer (``child_shutdown_timeout``), then end as a consumer."""
        self.connection_state = ConnectionState.CLOSED
        await self._end_streams(message.get("code", 1000), grace=self.child_shutdown_timeout)
        await super().websocket_disconnect(message)

    async def _end_streams(self, code: int, *, grace: float) -> None:
        """Disconnect the sub-consumers still running; cancel those not ended in ``grace`` s.

        A cancelled sub-consumer leaves its groups first, as its own ``shut_down`` would.
        """
        running = [stream for stream in self._streams.values() if stream.running]
        if not running:
            return
        for stream in running:
            stream.end(code)
        tasks = [stream.task for stream in running if stream.task is not None]
        if grace > 0:
            await asyncio.wait(tasks, timeout=grace)
        late = [stream for stream in running if stream.running]
        for stream in late:
            if grace > 0:
                logger.warning(
                    "%s: sub-consumer %r did not end within %g s; cancelling it",
                    type(self).__qualname__,
                    stream.key,
                    grace,
                )
            await stream.consumer._leave_groups()
        await cancel_and_wait(stream.task for stream in late if stream.task is not None)


def _multiplex_spec(cls: type[AsyncJsonWebsocketDemultiplexer[Any]]) -> MultiplexSpec:
    """Check a demultiplexer class's settings; raise naming the class and the fix."""
    name = cls.__qualname__
    try:
        envelope = EnvelopeFormat(
            consumer_field=cls.envelope_consumer_field,
            message_field=cls.envelope_message_field,
            version_field=cls.envelope_version_field,
            version=cls.envelope_version,
        )
    except ValueError as exc:
        raise TypeError(f"{name}: {exc}") from None
    if not isinstance(cls.consumers, Mapping):
        raise TypeError(f"{name}.consumers must be a dict of envelope key -> consumer class")
    consumers: list[tuple[str, ConsumerClass]] = []
    for key, consumer in cls.consumers.items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"{name}.consumers: key {key!r} must be a non-empty string")
        if isinstance(consumer, type) and issubclass(consumer, AsyncJsonWebsocketDemultiplexer):
            raise TypeError(
                f"{name}.consumers[{key!r}] is the demultiplexer {consumer.__qualname__}: "
                "demultiplexers cannot be nested; list its consumers here instead."
            )
        if not (isinstance(consumer, type) and issubclass(consumer, AsyncJsonWebsocketConsumer)):
            raise TypeError(
                f"{name}.consumers[{key!r}] is {consumer!r}: give a chanx consumer class "
                "(a subclass of chanx.channels.websocket.AsyncJsonWebsocketConsumer), "
                "not its as_asgi() application."
            )
        consumers.append((key, consumer))
    if cls.max_concurrent_handlers != 1:
        raise TypeError(
            f"{name}.max_concurrent_handlers must be 1: the demultiplexer routes frames in "
            "the order they arrive. Set max_concurrent_handlers on the sub-consumers instead."
        )
    for attr in ("child_connect_timeout", "child_shutdown_timeout"):
        value = getattr(cls, attr)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise TypeError(f"{name}.{attr} must be a positive number of seconds, not {value!r}")
    return MultiplexSpec(envelope=envelope, consumers=tuple(consumers))


AsyncJsonWebsocketDemultiplexer.__chanx_multiplex__ = _multiplex_spec(
    AsyncJsonWebsocketDemultiplexer
)

__all__ = ["AsyncJsonWebsocketDemultiplexer", "MultiplexSpec"]
