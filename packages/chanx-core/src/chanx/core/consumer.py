"""The framework-neutral consumer: receive → validate → dispatch → reply.

:class:`ChanxWebsocketConsumerMixin` holds everything a chanx consumer does that does
not depend on the server framework. An adapter (``chanx.channels`` for Django
Channels) combines it with its own consumer class and supplies three things: how to
send one text frame (:meth:`~ChanxWebsocketConsumerMixin.send_text`), the per-connection
:class:`ConsumerOptions` (from its settings), and the calls into
:meth:`~ChanxWebsocketConsumerMixin.chanx_handle_frame`, ``chanx_handle_event`` and
``chanx_handle_broadcast``.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic

from typing_extensions import TypeVar

from chanx.core.codec import DEFAULT_MAX_DEPTH, FrameError, MessageCodec
from chanx.core.discovery import ConsumerSpec, discover_handlers, event_parameter
from chanx.core.envelope import EnvelopeError, may_carry_envelope, take_envelope, with_prefix
from chanx.core.errors import ClientError
from chanx.core.inbox import FrameInbox
from chanx.core.wire import DEFAULT_ACTION_KEY
from chanx.messages.base import BaseMessage
from chanx.messages.outgoing import ErrorMessage, ErrorPayload

logger = logging.getLogger("chanx.core.consumer")
message_logger = logging.getLogger("chanx.messages")

HANDLER_FAILED = "Failed to process message"
"""The only thing a client learns when a handler raises: the traceback goes to the log."""

_LOG_CLIP = 1000

EventT = TypeVar("EventT", bound=BaseMessage, default=BaseMessage)
"""The events a consumer accepts: ``AsyncJsonWebsocketConsumer[ChatEvent]`` (or a union).

Unparametrised consumers accept any :class:`BaseMessage` as far as the type checker
knows; at run time a consumer accepts the events its ``@event_handler`` methods and
``passthrough_events`` cover.
"""

# The TypeVar as a value: what a consumer never given a type parameter records as its own.
_UNPARAMETRISED: Any = EventT

# Messages sent while a frame is handled, held back when SEND_MESSAGE_IMMEDIATELY is off.
# A context variable because concurrent workers each handle their own frame.
_held: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "chanx_held_messages", default=None
)

# The routing keys (``ref``, ``topic``) every message sent while a frame is handled starts
# with, as a JSON fragment: empty for a bare frame, so replies to it are unchanged.
reply_prefix: contextvars.ContextVar[str] = contextvars.ContextVar("chanx_reply_prefix", default="")


@dataclass(frozen=True)
class ConsumerOptions:
    """Per-connection behaviour, read once from the adapter's settings when a client connects."""

    action_key: str = DEFAULT_ACTION_KEY
    camelize: bool = False
    send_completion: bool = False
    send_immediately: bool = True
    log_messages: bool = True
    log_ignored_actions: frozenset[str] = field(default_factory=lambda: frozenset({"ping", "pong"}))


# Where a consumer class caches whether its incoming messages all refuse unknown keys.
_VALIDATE_FIRST = "validate_first"


def cached_codec(spec: ConsumerSpec, options: ConsumerOptions, max_depth: int) -> MessageCodec:
    """The codec of ``spec``'s incoming messages for ``options``, built once per class."""
    key = (options.action_key, options.camelize)
    codec: MessageCodec | None = spec.cache.get(key)
    if codec is None:
        codec = spec.cache[key] = MessageCodec(
            spec.incoming_adapter,
            action_key=options.action_key,
            camelize=options.camelize,
            max_depth=max_depth,
        )
    return codec


def _clip(frame: str | bytes) -> str:
    text = frame if isinstance(frame, str) else repr(frame)
    return text if len(text) <= _LOG_CLIP else f"{text[:_LOG_CLIP]}… ({len(text)} chars)"


class ChanxWebsocketConsumerMixin(Generic[EventT]):
    """Typed message handling shared by every chanx consumer, whatever serves it.

    Subclasses declare handlers with ``@ws_handler`` and ``@event_handler``; the routing
    table is built once when the subclass is created (``__chanx_spec__``), and a
    mistake in a handler raises there, naming the method.

    The type parameter names the server-side events the consumer accepts
    (``MyConsumer(AsyncJsonWebsocketConsumer[ChatEvent | SystemEvent])``): type checkers
    hold the event API to it, and the AsyncAPI document lists them. It is optional.

    ``passthrough_events`` lists event classes forwarded to the client as they are, with
    no handler to write; the lists of every class in the inheritance chain (mixins
    included) add up. An ``@event_handler`` for the same event takes precedence.

    Class attributes tune the per-connection frame queue:

    * ``max_concurrent_handlers`` (default 1): frames handled at once per connection.
      With 1, frames are handled and answered in arrival order.
    * ``max_pending_frames`` (default 64): frames queued before the transport stops
      reading from the client.
    * ``max_json_depth`` (default 32): deepest nesting of objects and arrays accepted in a
      frame; deeper frames get an ``error`` without being parsed.
    """

    __chanx_spec__: ClassVar[ConsumerSpec]
    __chanx_event_parameter__: ClassVar[Any] = _UNPARAMETRISED
    passthrough_events: ClassVar[Sequence[type[BaseMessage]]] = ()
    max_concurrent_handlers: ClassVar[int] = 1
    max_pending_frames: ClassVar[int] = 64
    max_json_depth: ClassVar[int] = DEFAULT_MAX_DEPTH

    chanx_options: ConsumerOptions
    codec: MessageCodec
    _validate_first = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.__chanx_event_parameter__ = event_parameter(cls)
        cls.__chanx_spec__ = discover_handlers(cls)

    def configure_chanx(self, options: ConsumerOptions) -> None:
        """Fix this connection's options and pick the (cached) codec they call for."""
        spec = type(self).__chanx_spec__
        codec = cached_codec(spec, options, self.max_json_depth)
        self.chanx_options = options
        self.codec = codec
        validate_first = spec.cache.get(_VALIDATE_FIRST)
        if validate_first is None:
            validate_first = spec.cache[_VALIDATE_FIRST] = all(
                message.model_config.get("extra") == "forbid" for message in spec.incoming_types
            )
        self._validate_first = codec.fast and validate_first

    def make_inbox(self) -> FrameInbox:
        """The frame queue of one connection, sized by the class attributes."""
        return FrameInbox(
            self.chanx_handle_frame,
            workers=self.max_concurrent_handlers,
            max_pending=self.max_pending_frames,
        )

    async def send_text(self, text: str) -> None:
        """Send one text frame to this client. Supplied by the adapter."""
        raise NotImplementedError

    def _should_log(self, action: str) -> bool:
        options = self.chanx_options
        return (
            options.log_messages
            and message_logger.isEnabledFor(logging.INFO)
            and action not in options.log_ignored_actions
        )

    async def send_message(self, message: BaseMessage) -> None:
        """Send a message to this connection's client.

        While a frame is handled, the message is a reply to it: it carries the frame's
        ``ref`` (and ``topic``), if it had one.
        """
        # The body of send_encoded, repeated: one coroutine less per reply on the hot path.
        text = self.codec.encode(message)
        prefix = reply_prefix.get()
        if prefix:
            text = with_prefix(text, prefix)
        if self._should_log(message.action):
            message_logger.info("sent %s: %s", message.action, _clip(text))
        held = _held.get()
        if held is not None:
            held.append(text)
        else:
            await self.send_text(text)

    async def send_encoded(self, message: BaseMessage, prefix: str) -> None:
        """Send a message whose frame starts with the routing keys in ``prefix``."""
        text = self.codec.encode(message)
        if prefix:
            text = with_prefix(text, prefix)
        if self._should_log(message.action):
            message_logger.info("sent %s: %s", message.action, _clip(text))
        held = _held.get()
        if held is not None:
            held.append(text)
        else:
            await self.send_text(text)

    async def chanx_handle_frame(self, frame: str | bytes) -> None:
        """Handle one client frame: validate, call its handler, send the reply.

        Never raises for bad input or a failing handler: the client gets an ``error``
        message and the connection goes on. A frame carrying a ``ref`` gets it back on
        every reply, its ``error`` and its ``complete``; a frame naming a ``topic`` is
        handled by that topic (:meth:`chanx_handle_topic_frame`).
        """
        codec = self.codec
        options = self.chanx_options
        held_token = None if options.send_immediately else _held.set([])
        prefix_token = None
        try:
            try:
                if self._validate_first:
                    # Every message refuses unknown keys, so a frame that validates carries
                    # no routing key: only frames that fail are searched for one.
                    try:
                        message = codec.decode(frame)
                    except FrameError:
                        if not may_carry_envelope(frame):
                            raise
                        prefix_token = await self._handle_enveloped(frame)
                    else:
                        action = message.action
                        if self._should_log(action):
                            message_logger.info("received %s: %s", action, _clip(frame))
                        info = type(self).__chanx_spec__.ws_handlers[action]
                        await self._run_handler(self, info.func, info.name, message)
                else:
                    # Parsed to Python objects anyway (CAMELIZE, a renamed action key, or
                    # messages that accept unknown keys): the keys are read off the dict.
                    prefix_token = await self._handle_enveloped(frame)
            except FrameError as exc:
                await self.send_message(ErrorMessage(payload=exc.payload))
            finally:
                if held_token is not None:
                    await self._flush_held(held_token)
            if options.send_completion:
                await self.send_text(with_prefix(codec.complete_text, reply_prefix.get()))
        finally:
            if prefix_token is not None:
                reply_prefix.reset(prefix_token)

    async def _handle_enveloped(self, frame: str | bytes) -> contextvars.Token[str] | None:
        """Handle a frame that may carry routing keys; set the prefix its replies carry.

        Returns the token to reset :data:`reply_prefix` with once the frame is done; it
        is set before anything can fail, so even an ``error`` carries the ``ref``.
        """
        data = self.codec.parse(frame)
        try:
            envelope = take_envelope(data)
        except EnvelopeError as exc:
            refused = reply_prefix.set(exc.prefix)
            await self.send_message(exc.reply)
            return refused
        prefix = envelope.reply_prefix
        token = reply_prefix.set(prefix) if prefix else None
        try:
            if envelope.topic is not None:
                await self.chanx_handle_topic_frame(envelope.topic, data, frame)
            else:
                await self._dispatch(self.codec.decode_object(data), frame)
        except FrameError as exc:
            await self.send_message(ErrorMessage(payload=exc.payload))
        except BaseException:
            # Cancelled: the caller never gets the token, so later frames of this
            # connection's loop must not inherit this frame's ref.
            if token is not None:
                reply_prefix.reset(token)
            raise
        return token

    async def _dispatch(self, message: BaseMessage, frame: str | bytes) -> None:
        action = message.action
        if self._should_log(action):
            message_logger.info("received %s: %s", action, _clip(frame))
        info = type(self).__chanx_spec__.ws_handlers[action]
        await self._run_handler(self, info.func, info.name, message)

    async def chanx_handle_topic_frame(
        self, topic: str, data: dict[str, Any], frame: str | bytes
    ) -> None:
        """Handle a frame addressed to ``topic`` (its routing keys already removed).

        Consumers without topics answer with an ``error``; :class:`~chanx.core.topics
        .TopicsMixin` routes the frame to the subscribed topic.
        """
        await self.send_message(
            ErrorMessage(payload=ErrorPayload(detail="This endpoint has no topics"))
        )

    async def _run_handler(self, owner: Any, func: Any, name: str, message: BaseMessage) -> None:
        """Call ``func(owner, message)`` (the consumer or a topic) and send what it returns."""
        try:
            reply = await func(owner, message)
        except ClientError as exc:
            await self.send_message(ErrorMessage(payload=ErrorPayload(detail=exc.detail)))
            return
        except Exception:
            logger.exception(
                "%s.%s failed handling action %r", type(owner).__qualname__, name, message.action
            )
            await self.send_message(ErrorMessage(payload=ErrorPayload(detail=HANDLER_FAILED)))
            return
        if reply is None:
            return
        if not isinstance(reply, BaseMessage):
            logger.error(
                "%s.%s returned %s; handlers return a BaseMessage or None",
                type(owner).__qualname__,
                name,
                type(reply).__name__,
            )
            await self.send_message(ErrorMessage(payload=ErrorPayload(detail=HANDLER_FAILED)))
            return
        await self.send_message(reply)

    async def _flush_held(self, token: contextvars.Token[list[str] | None]) -> None:
        held = _held.get() or []
        _held.reset(token)
        for text in held:
            await self.send_text(text)

    async def chanx_handle_event(self, text: str | bytes) -> None:
        """Handle a server-side event (JSON of an event message) with its ``@event_handler``."""
        spec = type(self).__chanx_spec__
        if spec.event_adapter is None:
            logger.debug("%s has no event handlers; event dropped", type(self).__qualname__)
            return
        try:
            event = spec.event_adapter.validate_json(text)
        except ValueError:
            # Events come from server code, not clients: a mismatch is a bug to log, and
            # a group may mix consumers that handle different events.
            logger.warning(
                "%s cannot handle event %s", type(self).__qualname__, _clip(text), exc_info=True
            )
            return
        info = spec.event_handlers[event.action]
        held_token = None if self.chanx_options.send_immediately else _held.set([])
        try:
            await self._run_handler(self, info.func, info.name, event)
        finally:
            if held_token is not None:
                await self._flush_held(held_token)
        if self.chanx_options.send_completion:
            await self.send_text(self.codec.event_complete_text)

    async def chanx_handle_broadcast(self, text: str, action: str) -> None:
        """Deliver a broadcast frame, already encoded once by its sender, to this client."""
        if self._should_log(action):
            message_logger.info("sent %s (broadcast): %s", action, _clip(text))
        await self.send_text(text)
        if self.chanx_options.send_completion:
            await self.send_text(self.codec.group_complete_text)


__all__ = ["HANDLER_FAILED", "ChanxWebsocketConsumerMixin", "ConsumerOptions", "EventT"]
