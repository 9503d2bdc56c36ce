"""How the topics a consumer mounts are documented: one channel per topic class.

A consumer with ``topics = [RoomTopic, ...]`` keeps its own channel; each mounted topic
class adds a channel ``<consumer channel id>_<topic name>`` (``hub_room`` for
``RoomTopic`` on the ``hub`` channel) at the same address, since its frames travel on the
consumer's connection. The channel carries ``x-topic``
(:class:`~chanx.asyncapi.models.TopicExtension`): the pattern, the JSON Schema of each of
its parameters, the consumer channel's id and the envelope keys.

The channel's messages are the topic's handlers' inputs and outputs, its ``pushes`` and
the built-in ``subscribe``/``unsubscribe``, ``subscribed``/``unsubscribed`` and topic
``error`` (with its ``reason``); each is a frame of that topic, whose schema
:mod:`chanx.asyncapi.topic_frames` builds.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from chanx.asyncapi.models import (
    Channel,
    ChannelBindings,
    Operation,
    OperationReply,
    Parameter,
    Reference,
    TopicEnvelope,
    TopicExtension,
)
from chanx.asyncapi.naming import claim, identifier, operation_id
from chanx.core.discovery import HandlerInfo, message_actions
from chanx.core.topics import Topic
from chanx.core.wire import (
    ENVELOPE_VERSION,
    REF_KEY,
    SEQ_KEY,
    TOPIC_KEY,
    VERSION_KEY,
)
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import SubscribeMessage, UnsubscribeMessage
from chanx.messages.outgoing import (
    CompleteMessage,
    EventCompleteMessage,
    GroupCompleteMessage,
    SubscribedMessage,
    TopicErrorMessage,
    UnsubscribedMessage,
)

TOPIC_ENVELOPE: Final = TopicEnvelope(
    version=ENVELOPE_VERSION,
    topic_field=TOPIC_KEY,
    ref_field=REF_KEY,
    version_field=VERSION_KEY,
    seq_field=SEQ_KEY,
)
"""The envelope keys of topic frames, as ``x-topic`` states them."""

_TOPIC_SUFFIX = "Topic"


@dataclass(frozen=True)
class TopicMessages:
    """What crosses a topic's channel, and which of it carries ``ref`` or ``seq``."""

    incoming: tuple[type[BaseMessage], ...]
    outgoing: tuple[type[BaseMessage], ...]
    replies: frozenset[type[BaseMessage]]
    """Requests and replies: they may carry the client's ``ref``."""
    pushes: frozenset[type[BaseMessage]]
    """Sent outside any request of this client: they may carry the publisher's ``seq``."""


def topic_messages(topic: type[Topic], *, send_completion: bool) -> TopicMessages:
    """The messages of ``topic``'s channel, built-ins included."""
    spec = topic.__chanx_spec__
    incoming: list[type[BaseMessage]] = [
        SubscribeMessage,
        UnsubscribeMessage,
        *spec.incoming_types,
    ]
    replies: list[type[BaseMessage]] = [SubscribedMessage, UnsubscribedMessage, TopicErrorMessage]
    pushes: list[type[BaseMessage]] = []
    for handler in spec.ws_handlers.values():
        # Declared outputs may be replies (send_message) or broadcasts: both keys apply.
        replies += handler.output_types
        pushes += [cls for cls in handler.output_types if cls not in handler.reply_types]
    for handler in spec.event_handlers.values():
        pushes += handler.output_types
    pushes += topic.pushes
    completions: list[type[BaseMessage]] = []
    if send_completion:
        replies.append(CompleteMessage)
        completions.append(GroupCompleteMessage)
        if spec.event_handlers:
            completions.append(EventCompleteMessage)
    return TopicMessages(
        incoming=tuple(dict.fromkeys(incoming)),
        outgoing=tuple(dict.fromkeys([*replies, *pushes, *completions])),
        replies=frozenset([*incoming, *replies]),
        pushes=frozenset(pushes),
    )


@dataclass(frozen=True)
class TopicChannelPlan:
    """One topic class mounted on one consumer channel."""

    key: str
    topic: type[Topic]
    consumer_key: str
    messages: TopicMessages


def plan_topic_channels(
    consumers: Sequence[tuple[str, type]], taken: set[str], *, send_completion: bool
) -> list[TopicChannelPlan]:
    """A plan per topic mounted on the ``(channel id, consumer class)`` pairs, in order.

    Channel ids are claimed in ``taken`` (the consumer channels' ids), numbered when two
    topics of one consumer would get the same id.
    """
    taken = set(taken)
    plans = []
    for consumer_key, consumer in consumers:
        for topic in getattr(consumer, "__chanx_topics__", ()):
            name = topic.__name__.removesuffix(_TOPIC_SUFFIX) or topic.__name__
            key = claim(f"{consumer_key}_{identifier(name, fallback='topic')}", taken)
            plans.append(
                TopicChannelPlan(
                    key=key,
                    topic=topic,
                    consumer_key=consumer_key,
                    messages=topic_messages(topic, send_completion=send_completion),
                )
            )
    return plans


def _own_doc(obj: Any) -> str | None:
    """The docstring written on ``obj`` itself (a class's is not inherited)."""
    doc = vars(obj).get("__doc__") if isinstance(obj, type) else getattr(obj, "__doc__", None)
    return inspect.cleandoc(doc) if isinstance(doc, str) and doc.strip() else None


def _inline_refs(schema: Any, definitions: Mapping[str, Any]) -> Any:
    """``schema`` with its local ``$ref``s replaced by their definitions.

    An extension's content is not a schema object to the parser, which would try to
    resolve a ``#/$defs/...`` pointer against the document root.
    """
    if isinstance(schema, list):
        return [_inline_refs(item, definitions) for item in schema]
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target = definitions.get(ref.rsplit("/", 1)[1], {})
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        return {**_inline_refs(target, definitions), **_inline_refs(rest, definitions)}
    return {k: _inline_refs(v, definitions) for k, v in schema.items() if k != "$defs"}


def parameter_schemas(topic: type[Topic]) -> dict[str, dict[str, Any]]:
    """The JSON Schema of each parameter of ``topic``'s pattern, as ``authorize`` types it."""
    result = {}
    for name, adapter in topic.__chanx_pattern__.parameters.items():
        schema = adapter.json_schema()
        inlined: dict[str, Any] = _inline_refs(schema, schema.get("$defs", {}))
        result[name] = inlined
    return result


def topic_channel(
    plan: TopicChannelPlan,
    consumer_channel: Channel,
    keys: Mapping[tuple[type[Topic], type[BaseMessage]], str],
) -> Channel:
    """The channel of one mounted topic: at its consumer's address, with ``x-topic``."""
    topic, messages = plan.topic, plan.messages
    names = sorted({keys[(topic, cls)] for cls in (*messages.incoming, *messages.outgoing)})
    pattern = topic.__chanx_pattern__.text
    description = getattr(topic, "description", None) or _own_doc(topic)
    return Channel(
        address=consumer_channel.address,
        title=topic.__name__,
        summary=f"Topic `{pattern}` on the `{plan.consumer_key}` connection.",
        description=description,
        messages={name: Reference(ref=f"#/components/messages/{name}") for name in names},
        parameters=_copied_parameters(consumer_channel.parameters),
        bindings=ChannelBindings(),
        topic=TopicExtension(
            pattern=pattern,
            parameters=parameter_schemas(topic),
            consumer=plan.consumer_key,
            envelope=TOPIC_ENVELOPE,
        ),
    )


def _copied_parameters(parameters: dict[str, Parameter] | None) -> dict[str, Parameter] | None:
    if parameters is None:
        return None
    return {name: parameter.model_copy() for name, parameter in parameters.items()}


def _quoted(classes: Iterable[type[BaseMessage]]) -> str:
    return ", ".join(f"`{action}`" for cls in classes for action in message_actions(cls))


def topic_operations(
    plan: TopicChannelPlan,
    keys: Mapping[tuple[type[Topic], type[BaseMessage]], str],
    message_keys: Mapping[type[BaseMessage], str],
    *,
    claim_id: Callable[[str], str],
    security: list[Reference] | None,
) -> dict[str, Operation]:
    """The operations of a topic's channel, by id.

    ``receive`` for ``subscribe``, ``unsubscribe`` and each ``@ws_handler`` (replying
    with what it returns), ``send`` for each ``@event_handler`` with outputs and for every
    other message the server may send on the topic. ``claim_id`` makes an id unique in
    the document.
    """
    topic, messages, key = plan.topic, plan.messages, plan.key
    channel = Reference(ref=f"#/channels/{key}")
    pattern = topic.__chanx_pattern__.text

    def refs(classes: Iterable[type[BaseMessage]]) -> list[Reference]:
        return [
            Reference(ref=f"#/channels/{key}/messages/{keys[(topic, cls)]}")
            for cls in dict.fromkeys(classes)
        ]

    def receive(
        name: str, summary: str | None, description: str, cls: type[BaseMessage], replies: Any
    ) -> None:
        answers = refs(replies)
        operations[claim_id(operation_id(key, name))] = Operation(
            action="receive",
            channel=channel,
            summary=summary,
            description=description,
            messages=refs([cls]),
            reply=OperationReply(channel=channel, messages=answers) if answers else None,
            security=security,
        )

    def send(name: tuple[str, ...], summary: str | None, description: str, classes: Any) -> None:
        operations[claim_id(operation_id(key, *name))] = Operation(
            action="send",
            channel=channel,
            summary=summary,
            description=description,
            messages=refs(classes),
            security=security,
        )

    operations: dict[str, Operation] = {}
    authorize = vars(topic).get("authorize")
    who = _own_doc(authorize) if authorize is not None else None
    receive(
        "subscribe",
        "Subscribe to a topic",
        f"Subscribes the connection to the `{pattern}` topic named in the frame's "
        f"`{TOPIC_KEY}`. Answered with `subscribed`, or with an `error` whose `reason` says "
        "why not (`unknown_topic`, `unauthorized`, `too_many_subscriptions`, "
        "`unavailable`)." + (f"\n\nWho may subscribe: {who}" if who else ""),
        SubscribeMessage,
        [SubscribedMessage, TopicErrorMessage],
    )
    receive(
        "unsubscribe",
        "Leave a topic",
        f"Ends the subscription to the `{pattern}` topic named in the frame's `{TOPIC_KEY}`; "
        "answered with `unsubscribed`.",
        UnsubscribeMessage,
        [UnsubscribedMessage],
    )
    spec = topic.__chanx_spec__
    for handler in {info.name: info for info in spec.ws_handlers.values()}.values():
        receive(
            handler.name,
            handler.summary,
            handler.description or _handler_text("receive", handler, pattern),
            handler.input_type,
            handler.reply_types,
        )
    covered: set[type[BaseMessage]] = set()
    for handler in {info.name: info for info in spec.event_handlers.values()}.values():
        if not handler.output_types:
            continue
        covered.update(handler.output_types)
        send(
            (handler.name,),
            handler.summary,
            handler.description or _handler_text("send", handler, pattern),
            handler.output_types,
        )
    for cls in messages.outgoing:
        if cls in covered:
            continue
        action = " | ".join(message_actions(cls))
        send(
            ("send", message_keys[cls]),
            f"Send {action}",
            (_own_doc(cls) or f"The server sends `{action}`")
            + f"\n\nSent on a `{pattern}` topic the client subscribed to.",
            [cls],
        )
    return operations


def _handler_text(action: Literal["send", "receive"], handler: HandlerInfo, pattern: str) -> str:
    """What an undocumented topic handler does, said from its types."""
    if action == "receive":
        text = f"Handles {_quoted([handler.input_type])} frames on a `{pattern}` topic."
        if handler.reply_types:
            text += f" Answers its sender with {_quoted(handler.reply_types)}."
        broadcasts = [t for t in handler.output_types if t not in handler.reply_types]
        if broadcasts:
            text += f" May send {_quoted(broadcasts)} to the topic's subscribers."
        return text
    return (
        f"Sends {_quoted(handler.output_types)} to the topic's subscribers when the event "
        f"{_quoted([handler.input_type])} is published to it."
    )


__all__ = [
    "TOPIC_ENVELOPE",
    "TopicChannelPlan",
    "TopicMessages",
    "parameter_schemas",
    "plan_topic_channels",
    "topic_channel",
    "topic_messages",
    "topic_operations",
]
