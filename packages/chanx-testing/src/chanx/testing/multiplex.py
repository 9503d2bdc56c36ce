"""Testing a demultiplexer: send to one stream, collect what each stream sends back.

:class:`MultiplexCommunicator` is the :class:`~chanx.testing.WebsocketCommunicator` of a
:class:`~chanx.channels.multiplex.AsyncJsonWebsocketDemultiplexer`::

    communicator = MultiplexCommunicator(router, "/ws/app/", consumer=AppDemultiplexer)
    await communicator.connect()
    ready = await communicator.receive_multiplex_ready()
    assert ready.payload.unavailable == []

    await communicator.send_message(EchoMessage(payload=...), consumer="chat")
    assert await communicator.receive_all_envelopes(stop_consumer="chat") == [
        ("chat", EchoReply(payload=...))
    ]

Inner messages are encoded and validated as the sub-consumer they belong to would
(its outgoing messages, the ``CHANX`` settings); the demultiplexer's own frames (key
``None``) as the demultiplexer's, ``multiplex_ready`` and routing errors included.
"""

from __future__ import annotations

import enum
import json
from collections import deque
from typing import Annotated, Any, Final, Literal, Union

from pydantic import Field, TypeAdapter

from chanx.core.codec import FrameError, MessageCodec
from chanx.core.consumer import ChanxWebsocketConsumerMixin
from chanx.core.discovery import message_actions
from chanx.core.envelope import Envelope, with_prefix
from chanx.core.wire import REF_KEY, SEQ_KEY, TOPIC_KEY, VERSION_KEY
from chanx.messages.base import BaseMessage
from chanx.messages.outgoing import MultiplexErrorMessage, MultiplexReadyMessage
from chanx.testing.communicator import (
    DEFAULT_TIMEOUT,
    WebsocketCommunicator,
    _consumer_codec,
    _describe,
)
from chanx.testing.handshake import OriginOption
from chanx.testing.outgoing import (
    COMPLETE_ACTION,
    COMPLETION_ACTIONS,
    outgoing_codec,
    outgoing_types,
)

READY_ACTION: Final = "multiplex_ready"
"""Action of the handshake a demultiplexer sends once every stream finished connecting."""

_ROUTING_KEYS = (REF_KEY, TOPIC_KEY, VERSION_KEY, SEQ_KEY)


class AnyStream(enum.Enum):
    """The type of :data:`ANY_STREAM`."""

    ANY = "any"


ANY_STREAM: Final = AnyStream.ANY
"""``stop_consumer`` default: the first matching signal of any stream ends a collection."""

StreamKey = Union[str, None]  # noqa: UP007 - a runtime alias, on Python 3.10 too

_own_codecs: dict[tuple[type, str, bool], MessageCodec] = {}


def _own_codec(demultiplexer: type, action_key: str, camelize: bool) -> MessageCodec:
    """Decodes the demultiplexer's own frames: its outgoing messages plus the multiplex ones."""
    key = (demultiplexer, action_key, camelize)
    codec = _own_codecs.get(key)
    if codec is None:
        # The multiplex error first: it shares the action `error` with the built-in one,
        # whose payload would drop the stream's key.
        types = tuple(
            dict.fromkeys(
                (MultiplexErrorMessage, MultiplexReadyMessage, *outgoing_types(demultiplexer))
            )
        )
        union: Any = Union[types]  # noqa: UP007 - built from a runtime tuple
        adapter: TypeAdapter[BaseMessage] = TypeAdapter(
            Annotated[union, Field(union_mode="left_to_right")]
        )
        codec = _own_codecs[key] = MessageCodec(adapter, action_key=action_key, camelize=camelize)
    return codec


class MultiplexCommunicator(WebsocketCommunicator):
    """A communicator for a demultiplexer route, aware of its envelopes.

    ``consumer`` is the demultiplexer class. :meth:`send_message` with ``consumer="key"``
    sends to one stream; without it, to the demultiplexer's own handlers.
    :meth:`receive_all_envelopes` collects ``(key, message)`` pairs (key ``None`` for the
    demultiplexer's own messages) and :meth:`receive_all_messages` the messages alone.
    Both skip ``multiplex_ready``; :meth:`receive_multiplex_ready` returns it, keeping the
    frames that came before it (authentication outcomes, closed streams) for the next
    collection. :meth:`receive_all_json` and ``receive_from`` still see raw frames.

    Every stream sends its own completion signals, so a collection ends at the first
    ``stop_action`` of any stream unless ``stop_consumer`` names the one to wait for
    (``None`` for the demultiplexer's own).
    """

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
        multiplex = getattr(consumer, "__chanx_multiplex__", None)
        if multiplex is None:
            raise TypeError(
                f"{consumer.__qualname__} is not a demultiplexer; use WebsocketCommunicator "
                "for a plain consumer."
            )
        super().__init__(
            application, path, headers, subprotocols, spec_version, consumer=consumer, origin=origin
        )
        self.envelope = multiplex.envelope
        self.streams: dict[str, type[ChanxWebsocketConsumerMixin]] = dict(multiplex.consumers)
        self.ready: MultiplexReadyMessage | None = None
        """The ``multiplex_ready`` message, once it arrived."""
        self._read_ahead: deque[str] = deque()

    def _stream_class(self, key: str) -> type[ChanxWebsocketConsumerMixin]:
        try:
            return self.streams[key]
        except KeyError:
            raise AssertionError(
                f"{self.consumer.__qualname__} serves no consumer {key!r}; its keys are "
                f"{sorted(self.streams)}"
            ) from None

    async def send_message(
        self,
        message: BaseMessage,
        consumer: str | None = None,
        *,
        topic: str | None = None,
        ref: str | int | None = None,
    ) -> None:
        """Send ``message`` to stream ``consumer`` (in its envelope), or to the demultiplexer.

        The message is encoded as that sub-consumer encodes (its action key, camelization);
        ``topic`` and ``ref`` go inside it, where the sub-consumer reads them (and its
        replies carry ``ref`` back inside their envelopes).
        """
        if consumer is None:
            await super().send_message(message, topic=topic, ref=ref)
            return
        codec: MessageCodec = _consumer_codec(self._stream_class(consumer), self.options)
        inner = with_prefix(codec.encode(message), Envelope(ref=ref, topic=topic).reply_prefix)
        await self.send_to(text_data=self.envelope.prefix(consumer) + inner + "}")

    async def receive_multiplex_ready(
        self, timeout: float = DEFAULT_TIMEOUT
    ) -> MultiplexReadyMessage:
        """The ``multiplex_ready`` handshake; frames before it stay for the next collection.

        From its arrival on, every ``ready`` stream has joined its groups: a broadcast
        sent after this returns reaches them.
        """
        while self.ready is None:
            output = await self._next_output(timeout)
            assert output is not None, (
                f"no {READY_ACTION!r} within {timeout}s; frames received: {list(self._read_ahead)}"
            )
            text = self._text_of(output, READY_ACTION)
            if self._is_ready(text):
                break
            self._read_ahead.append(text)
        assert self.ready is not None
        return self.ready

    async def receive_all_envelopes(
        self,
        stop_action: str | None = COMPLETE_ACTION,
        timeout: float = DEFAULT_TIMEOUT,
        *,
        stop_consumer: StreamKey | Literal[AnyStream.ANY] = ANY_STREAM,
        quiet_period: float | None = None,
    ) -> list[tuple[StreamKey, BaseMessage]]:
        """``(key, message)`` pairs up to ``stop_action`` from ``stop_consumer``'s stream.

        The collection rules are :meth:`receive_all_messages`'s (completion signals end a
        collection and are left out; without them it ends once the route goes quiet).
        ``key`` is ``None`` for what the demultiplexer sent itself.
        """
        options = self.options
        until_quiet = stop_action is None or (
            stop_action in COMPLETION_ACTIONS and not options.send_completion
        )
        quiet = min(timeout, self.quiet_period if quiet_period is None else quiet_period)
        collected: list[tuple[StreamKey, BaseMessage]] = []
        wait = timeout
        while True:
            text = await self._next_text(wait, stop_action, collected)
            if text is None:
                return collected
            if until_quiet:
                wait = quiet
            if self._is_ready(text):
                continue
            key, data, codec = self._open(text)
            action = data.get(codec.action_key)
            wanted = stop_consumer is ANY_STREAM or stop_consumer == key
            if isinstance(action, str) and action in COMPLETION_ACTIONS:
                if action == stop_action and wanted:
                    return collected
                continue
            collected.append((key, self._decode_from(key, codec, data, text)))
            if stop_action is not None and action == stop_action and wanted:
                return collected

    async def receive_all_messages(
        self,
        stop_action: str | None = COMPLETE_ACTION,
        timeout: float = DEFAULT_TIMEOUT,
        *,
        stop_consumer: StreamKey | Literal[AnyStream.ANY] = ANY_STREAM,
        quiet_period: float | None = None,
    ) -> list[BaseMessage]:
        """The messages of :meth:`receive_all_envelopes`, without their keys."""
        pairs = await self.receive_all_envelopes(
            stop_action, timeout, stop_consumer=stop_consumer, quiet_period=quiet_period
        )
        return [message for _, message in pairs]

    async def _next_text(
        self, wait: float, stop_action: str | None, collected: list[Any]
    ) -> str | None:
        if self._read_ahead:
            return self._read_ahead.popleft()
        output = await self._next_output(wait)
        if output is None:
            options = self.options
            if stop_action is None or (
                stop_action in COMPLETION_ACTIONS and not options.send_completion
            ):
                return None
            raise AssertionError(
                f"no {stop_action!r} frame within {wait}s; messages received: {collected}"
            )
        return self._text_of(output, stop_action)

    @staticmethod
    def _text_of(output: dict[str, Any], waiting_for: str | None) -> str:
        assert output["type"] == "websocket.send", (
            f"the demultiplexer closed the connection (code {output.get('code', 1000)}) "
            f"while waiting for {waiting_for!r}"
        )
        text = output.get("text")
        assert isinstance(text, str), f"expected a text frame, got {_describe(output)}"
        return text

    def _is_ready(self, text: str) -> bool:
        if READY_ACTION not in text:
            return False
        key, data, codec = self._open(text)
        if key is not None or data.get(codec.action_key) != READY_ACTION:
            return False
        message = self._decode_from(None, codec, data, text)
        assert isinstance(message, MultiplexReadyMessage)
        assert self.ready is None, f"a second {READY_ACTION!r} arrived: {text}"
        self.ready = message
        return True

    def _open(self, text: str) -> tuple[StreamKey, dict[str, Any], MessageCodec]:
        """The stream a frame is from, its (inner) message as data, and the codec for it."""
        data = json.loads(text)
        assert isinstance(data, dict), f"expected a JSON object, got {text}"
        envelope = self.envelope
        options = self.options
        if envelope.consumer_field not in data:
            return None, data, _own_codec(self.consumer, options.action_key, options.camelize)
        key = data[envelope.consumer_field]
        assert data.get(envelope.version_field) == envelope.version, (
            f"an envelope without {envelope.version_field!r}: {envelope.version}: {text}"
        )
        inner = data.get(envelope.message_field)
        assert isinstance(inner, dict), f"an envelope without a message object: {text}"
        codec = outgoing_codec(self._stream_class(key), options.action_key, options.camelize)
        return key, inner, codec

    def _decode_from(
        self, key: StreamKey, codec: MessageCodec, data: dict[str, Any], text: str
    ) -> BaseMessage:
        message = {name: value for name, value in data.items() if name not in _ROUTING_KEYS}
        try:
            return codec.decode_object(message)
        except FrameError as exc:
            owner = self.consumer if key is None else self._stream_class(key)
            expected = sorted(
                action for cls in outgoing_types(owner) for action in message_actions(cls)
            )
            raise AssertionError(
                f"{owner.__qualname__} (stream {key!r}) sent a frame that matches none of its "
                f"outgoing messages:\n  {text}\n{exc.payload.detail}\n"
                f"expected actions: {', '.join(expected)}"
            ) from None


__all__ = ["ANY_STREAM", "READY_ACTION", "AnyStream", "MultiplexCommunicator"]
