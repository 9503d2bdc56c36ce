"""The frames of a topic as the document describes them: the message plus envelope keys.

Frames on a topic are the topic's messages with envelope keys beside ``action`` and
``payload``: ``version`` and ``topic`` always (``version`` optional from the client),
``ref`` on requests and replies, ``seq`` on pushes. Message schemas forbid unknown keys
(``additionalProperties: false``), so an ``allOf`` over a message's schema could never
accept them: each message of a topic gets its own schema and component message instead,
``<Topic>__<Message>``, a copy of the message's schema with the envelope keys listed first
(as on the wire), ``topic`` required and matching the topic's pattern. A topic mounted on
several consumers has one set of them.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from chanx.asyncapi.correlation import CORRELATION_ID_REF, ref_schema, version_schema
from chanx.asyncapi.models import Channel, Message, Reference
from chanx.asyncapi.naming import claim
from chanx.asyncapi.topics import TopicChannelPlan
from chanx.core.envelope import MAX_TOPIC_LENGTH
from chanx.core.topics import PARAM_VALUE, Topic
from chanx.core.wire import REF_KEY, SEQ_KEY, TOPIC_KEY, VERSION_KEY
from chanx.messages.base import BaseMessage

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Characters a topic pattern may hold that ECMA-262 regexes (what JSON Schema validators
# run) treat as syntax; escaping anything else (`-`) is an error in their unicode mode.
_REGEX_SYNTAX = re.compile(r"([\^$\\.*+?()[\]{}|/])")


def topic_name_schema(topic: type[Topic]) -> dict[str, Any]:
    """The JSON Schema of the ``topic`` key of ``topic``'s frames: its pattern as a regex."""
    text = topic.__chanx_pattern__.text
    regex, position = "^", 0
    for found in _PLACEHOLDER.finditer(text):
        regex += _REGEX_SYNTAX.sub(r"\\\1", text[position : found.start()]) + PARAM_VALUE
        position = found.end()
    regex += _REGEX_SYNTAX.sub(r"\\\1", text[position:]) + "$"
    return {
        "description": f"The topic instance, a name of the pattern `{text}`.",
        "type": "string",
        "maxLength": MAX_TOPIC_LENGTH,
        "pattern": regex,
    }


def _seq_schema() -> dict[str, Any]:
    return {
        "description": "The publisher's sequence number of this push, for gap detection.",
        "type": "integer",
    }


def _topic_schema(
    base: dict[str, Any], topic: type[Topic], key: str, *, request: bool, reply: bool, push: bool
) -> dict[str, Any]:
    """A message's schema as a frame on ``topic``: the envelope keys first, as on the wire."""
    envelope: dict[str, Any] = {VERSION_KEY: version_schema(), TOPIC_KEY: topic_name_schema(topic)}
    if reply:
        envelope[REF_KEY] = ref_schema()
    if push:
        envelope[SEQ_KEY] = _seq_schema()
    schema = copy.deepcopy(base)
    own = {k: v for k, v in schema.get("properties", {}).items() if k not in envelope}
    schema["properties"] = {**envelope, **own}
    required = [name for name in schema.get("required", []) if name not in envelope]
    # The action key stays first (message_schemas puts it there); the server always sends
    # the version on topic frames, clients may leave it out.
    schema["required"] = [
        *required[:1],
        *([] if request else [VERSION_KEY]),
        TOPIC_KEY,
        *required[1:],
    ]
    schema["title"] = key
    return schema


def _topic_names(topics: Iterable[type[Topic]]) -> dict[type[Topic], str]:
    """Component name prefixes: the class name, module-qualified when two classes share it."""
    unique = list(dict.fromkeys(topics))
    names = [topic.__name__ for topic in unique]
    return {
        topic: topic.__name__
        if names.count(topic.__name__) == 1
        else f"{topic.__module__}.{topic.__qualname__}".replace(".", "__")
        for topic in unique
    }


def add_topic_schemas(
    plans: Sequence[TopicChannelPlan],
    schemas: dict[str, dict[str, Any]],
    message_keys: Mapping[type[BaseMessage], str],
) -> dict[tuple[type[Topic], type[BaseMessage]], str]:
    """Add each topic's frame schemas to ``schemas``; their component keys by (topic, message).

    A topic mounted on several consumers has one set of schemas.
    """
    names = _topic_names(plan.topic for plan in plans)
    keys: dict[tuple[type[Topic], type[BaseMessage]], str] = {}
    taken = set(schemas)
    for plan in plans:
        topic, messages = plan.topic, plan.messages
        for cls in (*messages.incoming, *messages.outgoing):
            if (topic, cls) in keys:
                continue
            key = claim(f"{names[topic]}__{message_keys[cls]}", taken)
            schemas[key] = _topic_schema(
                schemas[message_keys[cls]],
                topic,
                key,
                request=cls in messages.incoming,
                reply=cls in messages.replies,
                push=cls in messages.pushes,
            )
            keys[(topic, cls)] = key
    return keys


def add_topic_messages(
    plans: Sequence[TopicChannelPlan],
    keys: Mapping[tuple[type[Topic], type[BaseMessage]], str],
    messages: dict[str, Message],
    message_keys: Mapping[type[BaseMessage], str],
) -> None:
    """Add the component message of each topic frame, made from the message's own.

    Examples are left out: a frame on a topic needs a topic name, which defaults cannot give.
    """
    replies = {(plan.topic, cls) for plan in plans for cls in plan.messages.replies}
    for (topic, cls), key in keys.items():
        own = messages[message_keys[cls]]
        messages[key] = own.model_copy(
            update={
                "title": key,
                "payload": Reference(ref=f"#/components/schemas/{key}"),
                "examples": None,
                "correlation_id": Reference(ref=CORRELATION_ID_REF)
                if (topic, cls) in replies
                else None,
            }
        )


def keep_documented(
    channels: Mapping[str, Channel],
    messages: Mapping[str, Message],
    schemas: dict[str, dict[str, Any]],
) -> dict[str, Message]:
    """The component messages some channel lists, sorted; drop the schemas of the others.

    A message that crosses topics only is documented by its topic frames' schemas, which
    copy its own: its own message and schema would be unused components (Spectral warns).
    A schema another schema still points at is kept.
    """
    used = {ref.ref for channel in channels.values() for ref in channel.messages.values()}
    kept = {
        key: message
        for key, message in sorted(messages.items())
        if f"#/components/messages/{key}" in used
    }
    dropped = {messages[key].payload.ref for key in messages if key not in kept}
    dropped -= {message.payload.ref for message in kept.values()}
    if dropped:
        text = json.dumps(schemas)
        for ref in dropped:
            if json.dumps(ref) not in text:
                schemas.pop(ref.rsplit("/", 1)[1], None)
    return kept


__all__ = [
    "add_topic_messages",
    "add_topic_schemas",
    "keep_documented",
    "topic_name_schema",
]
