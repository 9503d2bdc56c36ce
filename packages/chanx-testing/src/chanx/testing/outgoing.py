"""The messages a consumer may send, as one validator per consumer class.

Tests compare what a consumer sent with message instances (``==``), so every frame a
communicator reads is validated into the message class it stands for. The set of
classes is the consumer's public contract: the output types of all its handlers (as
discovered in ``__chanx_spec__``) plus the messages chanx itself sends. The validator
is built once per consumer class, on first use, and cached.
"""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import Field, TypeAdapter

from chanx.core.codec import MessageCodec
from chanx.core.consumer import ChanxWebsocketConsumerMixin
from chanx.core.discovery import message_actions
from chanx.core.wire import COMPLETE_ACTION, EVENT_COMPLETE_ACTION, GROUP_COMPLETE_ACTION
from chanx.messages.base import BaseMessage
from chanx.messages.outgoing import (
    AuthenticationMessage,
    CompleteMessage,
    ErrorMessage,
    EventCompleteMessage,
    GroupCompleteMessage,
    PongMessage,
    SubscribedMessage,
    TopicErrorMessage,
    UnsubscribedMessage,
)

BUILTIN_OUTGOING: tuple[type[BaseMessage], ...] = (
    PongMessage,
    ErrorMessage,
    AuthenticationMessage,
    CompleteMessage,
    GroupCompleteMessage,
    EventCompleteMessage,
)
"""Messages any chanx consumer may send, whatever its handlers declare."""

COMPLETION_ACTIONS: frozenset[str] = frozenset(
    {COMPLETE_ACTION, GROUP_COMPLETE_ACTION, EVENT_COMPLETE_ACTION}
)
"""Actions of the three completion signals: after a frame, a broadcast, an event.

Collections never return these frames: they end a reply, they are not part of it.
"""

TOPIC_BUILTIN_OUTGOING: tuple[type[BaseMessage], ...] = (
    SubscribedMessage,
    UnsubscribedMessage,
    TopicErrorMessage,
    CompleteMessage,
    GroupCompleteMessage,
    EventCompleteMessage,
)
"""Messages chanx itself sends on a topic: subscription replies, errors, completions."""

ConsumerClass = type[ChanxWebsocketConsumerMixin]

_adapters: dict[tuple[ConsumerClass, Any], TypeAdapter[BaseMessage]] = {}
_codecs: dict[tuple[ConsumerClass, str, bool, Any], MessageCodec] = {}


def outgoing_types(consumer: ConsumerClass) -> tuple[type[BaseMessage], ...]:
    """Every message class ``consumer`` may send: its handlers' outputs, then the built-ins."""
    declared = [out for info in consumer.__chanx_spec__.handlers for out in info.output_types]
    return tuple(dict.fromkeys([*declared, *BUILTIN_OUTGOING]))


def topic_outgoing_types(
    consumer: ConsumerClass, topic_class: type[Any] | None = None
) -> tuple[type[BaseMessage], ...]:
    """Every message ``consumer``'s topics (or only ``topic_class``) may send, and the built-ins."""
    topics = getattr(consumer, "__chanx_topics__", ()) if topic_class is None else (topic_class,)
    declared = [
        out
        for topic in topics
        for out in (
            *(out for info in topic.__chanx_spec__.handlers for out in info.output_types),
            *topic.pushes,
        )
    ]
    return tuple(dict.fromkeys([*declared, *TOPIC_BUILTIN_OUTGOING]))


def outgoing_adapter(
    consumer: ConsumerClass, *, topic: bool | type[Any] = False
) -> TypeAdapter[BaseMessage]:
    """One validator for everything ``consumer`` may send, built on first use and cached.

    Messages are told apart by their ``action`` like incoming frames are. When two
    classes share an action (a project's own ``error`` message next to the built-in
    one), the union falls back to trying them in order, the consumer's own first.
    """
    adapter = _adapters.get((consumer, topic))
    if adapter is None:
        if topic is False:
            types = outgoing_types(consumer)
        else:
            types = topic_outgoing_types(consumer, None if topic is True else topic)
        adapter = _adapters[consumer, topic] = _union_adapter(types)
    return adapter


def _union_adapter(message_types: tuple[type[BaseMessage], ...]) -> TypeAdapter[BaseMessage]:
    actions = [action for message_type in message_types for action in message_actions(message_type)]
    union: Any = Union[tuple(message_types)]  # noqa: UP007 - built from a runtime tuple
    if len(actions) == len(set(actions)):
        return TypeAdapter(Annotated[union, Field(discriminator="action")])
    return TypeAdapter(Annotated[union, Field(union_mode="left_to_right")])


def outgoing_codec(
    consumer: ConsumerClass, action_key: str, camelize: bool, *, topic: bool | type[Any] = False
) -> MessageCodec:
    """A codec that decodes ``consumer``'s frames into its outgoing messages.

    It is the consumer's own :class:`~chanx.core.codec.MessageCodec` machinery pointed
    at the outgoing messages, so a renamed action key and ``CAMELIZE`` are undone
    exactly as the consumer applied them. With ``topic`` it decodes frames sent on a
    topic: True for any of the consumer's topics, a Topic class for that one's messages.
    """
    key = (consumer, action_key, camelize, topic)
    codec = _codecs.get(key)
    if codec is None:
        codec = _codecs[key] = MessageCodec(
            outgoing_adapter(consumer, topic=topic), action_key=action_key, camelize=camelize
        )
    return codec


__all__ = [
    "BUILTIN_OUTGOING",
    "COMPLETE_ACTION",
    "COMPLETION_ACTIONS",
    "outgoing_adapter",
    "outgoing_codec",
    "outgoing_types",
    "topic_outgoing_types",
]
