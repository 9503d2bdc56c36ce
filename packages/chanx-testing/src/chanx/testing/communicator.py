"""A Channels-style test communicator that speaks a chanx consumer's typed messages.

:class:`WebsocketCommunicator` works as Channels' ``WebsocketCommunicator`` (``connect``,
``send_to``, ``receive_from``, ``disconnect`` all work as usual) plus the chanx side:
send a :class:`~chanx.messages.base.BaseMessage` encoded the way the consumer would
encode it, and collect the consumer's answer as typed messages up to its completion
signal (or, when the consumer sends none, until it goes quiet).
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import json
from typing import Any

from chanx.channels.options import current_options
from chanx.core.codec import FrameError, MessageCodec
from chanx.core.consumer import ChanxWebsocketConsumerMixin, ConsumerOptions
from chanx.core.discovery import message_actions
from chanx.core.envelope import Envelope, may_carry_envelope, take_envelope, with_prefix
from chanx.core.wire import REF_KEY, TOPIC_KEY
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import SubscribeMessage, UnsubscribeMessage
from chanx.testing.asgi_communicator import AsgiWebsocketCommunicator
from chanx.testing.handshake import HandshakeRefused, OriginOption, with_origin
from chanx.testing.outgoing import (
    COMPLETE_ACTION,
    COMPLETION_ACTIONS,
    outgoing_codec,
    outgoing_types,
    topic_outgoing_types,
)

DEFAULT_TIMEOUT = 1.0
"""Seconds to wait for the next frame before giving up on a collection."""

DEFAULT_QUIET_PERIOD = 0.2
"""Seconds without a frame that end a collection with no completion signal to wait for."""


def _consumer_codec(consumer: type[ChanxWebsocketConsumerMixin], options: ConsumerOptions) -> Any:
    # The consumer's own configure_chanx picks (and caches) the codec a connection with
    # these options uses; asking it, on an instance that is never run, keeps the test
    # encoding identical to the consumer's without a second copy of the rules.
    carrier = object.__new__(consumer)
    carrier.configure_chanx(options)
    return carrier.codec


class WebsocketCommunicator(AsgiWebsocketCommunicator):
    """Channels' WebSocket communicator plus typed messages for one chanx consumer.

    ``consumer`` is the consumer class behind ``path``: its handlers say which messages
    it may send, and frames are checked against them. The ``CHANX`` settings
    (``MESSAGE_ACTION_KEY``, ``CAMELIZE``, ``SEND_COMPLETION``) are read when
    :meth:`connect` runs, as the consumer reads them, so both sides agree::

        communicator = WebsocketCommunicator(router, "/ws/echo/", consumer=EchoConsumer)
        await communicator.connect()
        await communicator.send_message(EchoMessage(payload=TextPayload(text="hi")))
        assert await communicator.receive_all_messages() == [
            EchoReply(payload=TextPayload(text="hi"))
        ]

    Collecting is exact with the completion signals on, so run tests with
    ``CHANX = {"SEND_COMPLETION": True}``; without them a collection ends once the
    consumer has been quiet for :attr:`quiet_period` seconds.

    Like a browser, it sends an ``Origin`` header, so a router wrapped in
    ``AllowedHostsOriginValidator`` admits it: by default ``http://`` plus the first host
    of ``ALLOWED_HOSTS`` (see :func:`~chanx.testing.handshake.default_origin`). Pass
    ``origin="https://app.example.com"`` for another one, ``origin=False`` for none; an
    ``Origin`` in ``headers`` is sent as it is.
    """

    quiet_period: float = DEFAULT_QUIET_PERIOD
    """Seconds of silence that end a collection when no completion signal will come
    (``SEND_COMPLETION`` off, or ``stop_action=None``); set it on the class or on one
    communicator, or pass ``quiet_period=`` to one call."""

    def __init__(
        self,
        application: Any,
        path: str,
        headers: list[tuple[bytes, bytes]] | None = None,
        subprotocols: list[str] | None = None,
        spec_version: int | None = None,
        *,
        consumer: type[ChanxWebsocketConsumerMixin],
        origin: OriginOption = None,
    ) -> None:
        super().__init__(application, path, headers, subprotocols, spec_version)
        self.consumer = consumer
        self.origin: OriginOption = origin
        """The ``Origin`` to send: a value, None for the default one, False for none."""
        self._options: ConsumerOptions | None = None
        self._connection: tuple[bool, Any] | None = None
        self._connecting = False
        self.auto_connect = False
        """When True, the first send or receive connects first (``auth_communicator``)."""
        self._refs = itertools.count(1)
        # Refs of requests answered whose `complete` has not come yet: it is skipped.
        self._answered: set[str] = set()
        # Frames :meth:`request` read past while looking for its reply, served first.
        self._pushed_back: collections.deque[dict[str, Any]] = collections.deque()

    @property
    def options(self) -> ConsumerOptions:
        """The consumer options of this connection: as read at :meth:`connect`, or current."""
        return self._options if self._options is not None else current_options()

    @property
    def codec(self) -> MessageCodec:
        """The codec the consumer uses for this connection; encodes what tests send."""
        codec: MessageCodec = _consumer_codec(self.consumer, self.options)
        return codec

    async def connect(self, timeout: float = 1, *, allow_refused: bool = False) -> tuple[bool, Any]:
        """Open the connection; fixes the ``CHANX`` options for it, as the consumer does.

        Returns ``(True, subprotocol)``. A refused handshake fails the test with
        :class:`~chanx.testing.handshake.HandshakeRefused`, which names the close code and
        the usual causes (origin check, authentication, route); with
        ``allow_refused=True`` it returns ``(False, close_code)`` instead, as Channels'
        communicator does, for a test of the refusal itself. The ``Origin`` header is
        added here, so ``ALLOWED_HOSTS`` is read as the test has it when connecting.

        Connecting twice is harmless: the second call returns the first call's result.
        """
        if self._connection is None:
            if self._future is None:
                # The scope reaches the application when it starts, on the first send.
                self.scope["headers"] = with_origin(self.scope["headers"], self.origin)
            self._options = current_options()
            self._connecting = True
            try:
                self._connection = await super().connect(timeout)
            except ValueError as exc:
                # Channels' URLRouter raises this where a server would answer 404.
                if not str(exc).startswith("No route found"):
                    raise
                raise AssertionError(
                    f"the WebSocket handshake to {self.scope['path']!r} found no route "
                    f"(a server answers 404): {exc}. Check the path against your routing."
                ) from exc
            finally:
                self._connecting = False
        connected, detail = self._connection
        if not connected and not allow_refused:
            raise HandshakeRefused(self.scope["path"], detail, self.scope["headers"])
        return self._connection

    async def _ready(self) -> None:
        if self.auto_connect and self._connection is None and not self._connecting:
            await self.connect()

    async def send_input(self, message: dict[str, Any]) -> None:
        """Send an ASGI message to the consumer (connecting first with ``auto_connect``)."""
        await self._ready()
        await super().send_input(message)

    async def receive_output(self, timeout: float = 1) -> dict[str, Any]:
        """The consumer's next ASGI message (connecting first with ``auto_connect``)."""
        await self._ready()
        if self._pushed_back:
            return self._pushed_back.popleft()
        output: dict[str, Any] = await super().receive_output(timeout)
        return output

    async def send_message(
        self, message: BaseMessage, *, topic: str | None = None, ref: str | int | None = None
    ) -> None:
        """Send ``message`` as one text frame, encoded exactly as the consumer encodes.

        ``topic`` addresses one of the consumer's topics; ``ref`` is a correlation id
        every reply to the frame carries back.
        """
        text = with_prefix(self.codec.encode(message), Envelope(ref=ref, topic=topic).reply_prefix)
        await self.send_to(text_data=text)

    async def request(
        self, message: BaseMessage, *, topic: str | None = None, timeout: float = DEFAULT_TIMEOUT
    ) -> BaseMessage:
        """Send ``message`` with a fresh ``ref`` and return its first reply (not ``complete``).

        Frames that are not replies to it (broadcasts, other replies) stay queued for
        the next ``receive_*`` call, and the frame's ``complete`` is skipped when it
        comes. An ``error`` reply is returned like any other.
        """
        ref = f"test-{next(self._refs)}"
        await self.send_message(message, topic=topic, ref=ref)
        skipped: list[dict[str, Any]] = []
        try:
            while True:
                output = await self._next_output(timeout)
                assert output is not None, (
                    f"no reply to {message.action!r} (ref {ref!r}) within {timeout}s"
                )
                text = output.get("text")
                if output["type"] == "websocket.send" and isinstance(text, str):
                    data = json.loads(text)
                    action = data.get(self.options.action_key) if isinstance(data, dict) else None
                    if data.get(REF_KEY) == ref and action not in COMPLETION_ACTIONS:
                        if self.options.send_completion:
                            self._answered.add(ref)
                        return self._decode(self._outgoing_codec(), text)
                    if data.get(REF_KEY) == ref:
                        continue  # the completion of a reply-less frame: nothing to keep
                else:
                    assert output["type"] == "websocket.send", (
                        f"the consumer closed the connection (code {output.get('code', 1000)}) "
                        f"while waiting for the reply to {message.action!r}"
                    )
                skipped.append(output)
        finally:
            self._pushed_back.extendleft(reversed(skipped))

    async def receive_nothing(self, timeout: float = 0.1, interval: float = 0.01) -> bool:
        """True if the consumer sends nothing within ``timeout`` seconds.

        A frame that does arrive stays queued for the next ``receive_*`` call; the
        ``complete`` of an answered :meth:`request` does not count.
        """
        output = await self._next_output(timeout)
        if output is None:
            return True
        self._pushed_back.appendleft(output)
        return False

    async def receive_topic_message(
        self, topic: type[Any] | None = None, timeout: float = DEFAULT_TIMEOUT
    ) -> BaseMessage:
        """The next message sent on a topic, validated against the topics' messages.

        ``topic`` (a Topic class) checks that it belongs to an instance of that class.
        Completion signals are skipped; frames that are not on a topic fail the test.
        """
        while True:
            output = await self._next_output(timeout)
            assert output is not None, f"no topic message within {timeout}s"
            text = output.get("text")
            assert output["type"] == "websocket.send" and isinstance(text, str), (
                f"expected a topic message, got {_describe(output)}"
            )
            data = json.loads(text)
            name = data.get(TOPIC_KEY) if isinstance(data, dict) else None
            assert isinstance(name, str), f"expected a frame on a topic, got {text}"
            if data.get(self.options.action_key) in COMPLETION_ACTIONS:
                continue
            if topic is not None:
                assert topic.__chanx_pattern__.match(name) is not None, (
                    f"{text} is on {name!r}, not on a {topic.__qualname__} topic"
                )
            return self._decode(self._outgoing_codec(), text)

    async def subscribe(self, topic: str, timeout: float = DEFAULT_TIMEOUT) -> BaseMessage:
        """Subscribe to ``topic``; the reply (``subscribed`` or an ``error``) is returned."""
        return await self.request(SubscribeMessage(), topic=topic, timeout=timeout)

    async def unsubscribe(self, topic: str, timeout: float = DEFAULT_TIMEOUT) -> BaseMessage:
        """Leave ``topic``; the ``unsubscribed`` reply is returned."""
        return await self.request(UnsubscribeMessage(), topic=topic, timeout=timeout)

    def _outgoing_codec(self) -> MessageCodec:
        return outgoing_codec(self.consumer, self.options.action_key, self.options.camelize)

    async def receive_all_json(
        self,
        timeout: float = DEFAULT_TIMEOUT,
        *,
        stop_action: str | None = COMPLETE_ACTION,
        quiet_period: float | None = None,
    ) -> list[Any]:
        """The decoded JSON of the consumer's next frames, up to ``stop_action`` (raw keys).

        Completion signals (``complete``, ``group_complete``, ``event_complete``) end a
        reply but are never part of what is returned; nor is the ``stop_action`` frame
        when it is one of them. A ``stop_action`` of your own (``"job_done"``) ends the
        list instead. ``timeout`` is how long to wait for each next frame.

        When the consumer will send no such frame (a completion ``stop_action`` with
        ``SEND_COMPLETION`` off, or ``stop_action=None``), the frames are collected until
        the consumer goes quiet: up to ``timeout`` for the first one, then until none came
        for ``quiet_period`` seconds (default :attr:`quiet_period`). Otherwise, if
        ``timeout`` passes before the ``stop_action`` frame, the test fails with the
        frames received so far.
        """
        frames = await self._collect(timeout, stop_action, quiet_period)
        return [data for _, data in frames]

    async def receive_all_messages(
        self,
        stop_action: str | None = COMPLETE_ACTION,
        timeout: float = DEFAULT_TIMEOUT,
        *,
        quiet_period: float | None = None,
    ) -> list[BaseMessage]:
        """The consumer's next messages up to ``stop_action``, validated into their classes.

        Same collection rules as :meth:`receive_all_json` (completion signals are left
        out). Each frame must be one of the messages the consumer may send (its handlers'
        output types and chanx's built-in messages); any other frame fails the test with
        an ``AssertionError`` that shows the frame and what was expected.
        """
        codec = self._outgoing_codec()
        frames = await self._collect(timeout, stop_action, quiet_period)
        return [self._decode(codec, text) for text, _ in frames]

    async def assert_closed(self, code: int | None = None, timeout: float = DEFAULT_TIMEOUT) -> int:
        """Assert the next thing the consumer does is close the connection; return the code.

        With ``code``, the close code must be that one (1009 for an oversized frame, 4403
        for a refused authentication, ...). A frame sent instead fails the test.
        """
        output = await self._next_output(timeout)
        assert output is not None, f"the connection was not closed within {timeout}s"
        assert output["type"] == "websocket.close", (
            f"expected the connection to close, but the consumer sent {_describe(output)}"
        )
        closed_with: int = output.get("code", 1000)
        if code is not None:
            assert closed_with == code, f"closed with code {closed_with}, expected {code}"
        return closed_with

    async def shutdown(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Disconnect if the consumer is still running; safe to call any number of times.

        Unlike :meth:`disconnect` it never starts a consumer that was not used, and it
        leaves alone one that already stopped or belongs to another (finished) event loop.
        Errors the consumer raises while disconnecting propagate.
        """
        # ``_future`` is asgiref's handle on the running application; reading the public
        # ``future`` property instead would start an application that never ran.
        future: asyncio.Future[Any] | None = self._future
        if future is None or future.done():
            return
        if future.get_loop() is not asyncio.get_running_loop():
            return
        await self.disconnect(timeout=timeout)

    async def _next_output(self, timeout: float) -> dict[str, Any] | None:
        """The next ASGI message from the consumer, or None if none came within ``timeout``.

        ``receive_output`` cancels the application when it times out; waiting on the
        queue directly keeps the consumer alive, so a quiet moment is not a disconnect.
        """
        await self._ready()
        while True:
            if self._pushed_back:
                output = self._pushed_back.popleft()
            else:
                if self.future.done():
                    self.future.result()
                try:
                    output = await asyncio.wait_for(self.output_queue.get(), timeout)
                except asyncio.TimeoutError:
                    if self.future.done():
                        self.future.result()
                    return None
            if not (self._answered and self._completes_a_request(output)):
                return output

    def _completes_a_request(self, output: dict[str, Any]) -> bool:
        """Whether ``output`` is the ``complete`` of a frame :meth:`request` already answered."""
        text = output.get("text")
        if not isinstance(text, str) or COMPLETE_ACTION not in text:
            return False
        data = json.loads(text)
        if not isinstance(data, dict) or data.get(self.options.action_key) != COMPLETE_ACTION:
            return False
        ref = data.get(REF_KEY)
        if ref in self._answered:
            self._answered.discard(ref)
            return True
        return False

    async def _collect(
        self, timeout: float, stop_action: str | None, quiet_period: float | None
    ) -> list[tuple[str, Any]]:
        options = self.options
        action_key = options.action_key
        # With no signal coming, silence is the only end there is.
        until_quiet = stop_action is None or (
            stop_action in COMPLETION_ACTIONS and not options.send_completion
        )
        quiet = min(timeout, self.quiet_period if quiet_period is None else quiet_period)
        frames: list[tuple[str, Any]] = []
        wait = timeout
        while True:
            output = await self._next_output(wait)
            if output is None:
                if until_quiet:
                    return frames
                assert stop_action is not None
                raise AssertionError(self._no_stop_message(stop_action, timeout, frames))
            assert output["type"] == "websocket.send", (
                f"the consumer closed the connection (code {output.get('code', 1000)}) "
                f"while waiting for {stop_action!r}; frames received: {_texts(frames)}"
            )
            text = output.get("text")
            assert isinstance(text, str), f"expected a text frame, got {_describe(output)}"
            data = json.loads(text)
            action = data.get(action_key) if isinstance(data, dict) else None
            if until_quiet:
                wait = quiet
            if isinstance(action, str) and action in COMPLETION_ACTIONS:
                if action == stop_action:
                    return frames
                continue
            frames.append((text, data))
            if stop_action is not None and action == stop_action:
                return frames

    def _no_stop_message(
        self, stop_action: str, timeout: float, frames: list[tuple[str, Any]]
    ) -> str:
        message = f"no {stop_action!r} frame within {timeout}s; frames received: {_texts(frames)}."
        if stop_action in COMPLETION_ACTIONS:
            message += " Is the handler still running? Raise the timeout if it is slow."
        if not frames:
            message += " To check that nothing (more) arrives, use receive_nothing()."
        return message

    def _decode(self, codec: MessageCodec, text: str) -> BaseMessage:
        on_topic = False
        try:
            if not may_carry_envelope(text):
                return codec.decode(text)
            data = codec.parse(text)
            name = take_envelope(data).topic
            on_topic = name is not None
            if name is not None:
                # The messages of the topic class the frame is on: streams of several
                # classes may share actions (`created`) with different payloads.
                matching = next(
                    (
                        topic
                        for topic in getattr(self.consumer, "__chanx_topics__", ())
                        if topic.__chanx_pattern__.match(name) is not None
                    ),
                    True,
                )
                options = self.options
                codec = outgoing_codec(
                    self.consumer, options.action_key, options.camelize, topic=matching
                )
            return codec.decode_object(data)
        except FrameError as exc:
            types = (
                topic_outgoing_types(self.consumer) if on_topic else outgoing_types(self.consumer)
            )
            expected = sorted(
                action for message_type in types for action in message_actions(message_type)
            )
            problems = "; ".join(
                f"{'.'.join(map(str, error.loc)) or '(frame)'}: {error.msg}"
                for error in exc.payload.errors or []
            )
            raise AssertionError(
                f"{self.consumer.__qualname__} sent a frame that matches none of its outgoing "
                f"messages:\n  {text}\n{exc.payload.detail}"
                f"{': ' + problems if problems else ''}\n"
                f"expected actions: {', '.join(expected)}"
            ) from None


async def shutdown_all(communicators: list[WebsocketCommunicator]) -> Exception | None:
    """Shut every communicator down, newest first, even if some fail; return the first error.

    The test case and the pytest plugin both clean up this way, so that one consumer
    failing to disconnect does not leave the others running.
    """
    first: Exception | None = None
    for communicator in reversed(communicators):
        try:
            await communicator.shutdown()
        except Exception as exc:
            first = first or exc
    return first


def _texts(frames: list[tuple[str, Any]]) -> str:
    return "[" + ", ".join(text for text, _ in frames) + "]"


def _describe(output: dict[str, Any]) -> str:
    if output["type"] == "websocket.close":
        return f"a close (code {output.get('code', 1000)})"
    if output["type"] == "websocket.send" and "text" in output:
        return f"the frame {output['text']}"
    return repr(output)


__all__ = ["DEFAULT_TIMEOUT", "WebsocketCommunicator"]
