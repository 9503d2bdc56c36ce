"""Reading an AsyncAPI 3.0 document into the IR of :mod:`chanx.client.model`.

One :class:`ApiBuilder` walks the document once: channels in document order, the operations on
each channel in document order, and the messages and schemas they reach, each turned into a
definition the first time it is reached (so unused components generate nothing and the output
order is a function of the document alone).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from chanx.client.document import DocumentError, follow, resolve
from chanx.client.model import (
    ApiDef,
    ChannelDef,
    MessageDef,
    MultiplexDef,
    ParameterDef,
    TopicDef,
    TypeRef,
)
from chanx.client.naming import (
    NameRegistry,
    parameter_identifier,
    pascal_case,
    schema_class_names,
    snake_case,
    topic_frame_class_name,
)
from chanx.client.schema_types import SchemaTypes

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
# Module names every generated Python package already uses.
_RESERVED_MODULES = {"models": "the generated models module", "__init__": "the package module"}


class ApiBuilder:
    """Builds an :class:`ApiDef` from one loaded document (use :func:`model.build_api`)."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self._document = document
        components = document.get("components") or {}
        self._classes = NameRegistry("class")
        self._types = SchemaTypes(
            document,
            self._classes,
            schema_class_names(list(components.get("schemas") or {})),
        )
        self._messages: dict[str, MessageDef] = {}
        self._message_names: dict[str, tuple[str, ...]] = {}
        # Classes other sources of the document may claim: a topic frame's shorter name is
        # used only when none of them could (so it never turns a valid document into a
        # collision, and its full name stays as unique as it was).
        self._taken_class_names = _message_key_names(document) | _model_class_names(document)

    def build(self) -> ApiDef:
        """Walk the document and return the IR."""
        info = self._document.get("info") or {}
        channels = self._document.get("channels") or {}
        topic_ids = [key for key, value in channels.items() if "x-topic" in _mapping(value)]
        topics: dict[str, list[TopicDef]] = {}
        for topic_id in topic_ids:
            consumer = _mapping(channels[topic_id])["x-topic"].get("consumer")
            if consumer not in channels or consumer in topic_ids:
                raise DocumentError(
                    f"topic channel '{topic_id}' names consumer {consumer!r} in x-topic, "
                    "which is not a (non-topic) channel of the document"
                )
            topics.setdefault(consumer, []).append(self._topic(topic_id, consumer))
        channel_classes = NameRegistry("channel class")
        modules = NameRegistry("channel module")
        for module, source in _RESERVED_MODULES.items():
            modules.claim(module, source)
        built = []
        for channel_id in channels:
            if channel_id in topic_ids:
                continue
            channel = self._channel(channel_id, tuple(topics.get(channel_id, ())))
            channel_classes.claim(channel.name, f"channel '{channel_id}'")
            modules.claim(channel.identifier, f"channel '{channel_id}'")
            built.append(channel)
        return ApiDef(
            title=str(info.get("title") or "AsyncAPI"),
            version=str(info.get("version") or ""),
            description=_text(info.get("description")),
            models=self._types.models_in_dependency_order(),
            messages=tuple(self._messages.values()),
            channels=tuple(built),
        )

    def _channel(self, channel_id: str, topics: tuple[TopicDef, ...]) -> ChannelDef:
        channel = self._channel_object(channel_id)
        name = pascal_case(channel_id)
        sends, receives, replies = self._traffic(channel_id)
        return ChannelDef(
            id=channel_id,
            name=name,
            identifier=snake_case(channel_id),
            address=str(channel.get("address") or ""),
            parameters=self._address_parameters(channel_id, channel),
            sends=sends,
            receives=receives,
            replies=replies,
            description=_text(channel.get("description")) or _text(channel.get("summary")),
            topics=topics,
            multiplex=_multiplex(channel.get("x-chanx-multiplex")),
        )

    def _topic(self, channel_id: str, consumer_id: str) -> TopicDef:
        channel = self._channel_object(channel_id)
        extension = _mapping(channel["x-topic"])
        pattern = extension.get("pattern")
        if not isinstance(pattern, str) or not pattern:
            raise DocumentError(f"topic channel '{channel_id}' has no x-topic.pattern")
        # A topic channel is usually named after its consumer ("hubRoomTopic" on "hub"):
        # the consumer's name is implied by where the topic is mounted.
        name = pascal_case(channel_id)
        prefix = pascal_case(consumer_id)
        if name.startswith(prefix) and len(name) > len(prefix):
            name = name[len(prefix) :]
        schemas = _mapping(extension.get("parameters"))
        registry = NameRegistry(f"parameter of topic '{channel_id}'")
        parameters = []
        for wire in dict.fromkeys(_PLACEHOLDER.findall(pattern)):
            identifier = registry.claim(parameter_identifier(wire), f"placeholder '{wire}'")
            schema = schemas.get(wire, {})
            parameters.append(
                ParameterDef(
                    name=wire,
                    identifier=identifier,
                    type=self._types.type_of(
                        schema, f"{name}{pascal_case(wire)}", f"#/channels/{channel_id}/x-topic"
                    ),
                    description=_text(_mapping(follow(self._document, schema)).get("description")),
                )
            )
        sends, receives, replies = self._traffic(channel_id, topic=True)
        return TopicDef(
            name=name,
            identifier=snake_case(name),
            pattern=pattern,
            parameters=tuple(parameters),
            sends=sends,
            receives=receives,
            replies=replies,
            description=_text(channel.get("description")) or _text(channel.get("summary")),
        )

    def _channel_object(self, channel_id: str) -> dict[str, Any]:
        channel = follow(self._document, self._document["channels"][channel_id])
        if not isinstance(channel, dict):
            raise DocumentError(f"channel '{channel_id}' is not an object")
        return channel

    def _address_parameters(
        self, channel_id: str, channel: Mapping[str, Any]
    ) -> tuple[ParameterDef, ...]:
        declared = _mapping(channel.get("parameters"))
        address = str(channel.get("address") or "")
        registry = NameRegistry(f"parameter of channel '{channel_id}'")
        parameters = []
        for wire in dict.fromkeys([*_PLACEHOLDER.findall(address), *declared]):
            parameter = _mapping(follow(self._document, declared.get(wire, {})))
            enum = parameter.get("enum")
            kind = (
                TypeRef("literal", literals=tuple(str(value) for value in enum))
                if isinstance(enum, list) and enum
                else TypeRef("string")
            )
            parameters.append(
                ParameterDef(
                    name=wire,
                    identifier=registry.claim(parameter_identifier(wire), f"placeholder '{wire}'"),
                    type=kind,
                    description=_text(parameter.get("description")),
                )
            )
        return tuple(parameters)

    def _traffic(
        self, channel_id: str, *, topic: bool = False
    ) -> tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[str, tuple[str, ...]], ...]]:
        """What the client sends, receives, and which replies each sent message gets.

        ``topic`` says the channel is a topic's: its messages are topic frames.
        """
        sends: dict[str, None] = {}
        receives: dict[str, None] = {}
        replies: dict[str, dict[str, None]] = {}
        channel_ref = "#/channels/" + channel_id.replace("~", "~0").replace("/", "~1")
        for operation_id, operation in (self._document.get("operations") or {}).items():
            operation = _mapping(follow(self._document, operation))
            if _mapping(operation.get("channel")).get("$ref") != channel_ref:
                continue
            where = f"operation '{operation_id}'"
            messages = self._operation_messages(
                operation.get("messages"), channel_id, where, topic=topic
            )
            if operation.get("action") == "receive":
                sends.update(dict.fromkeys(messages))
                reply = _mapping(follow(self._document, operation.get("reply")))
                if reply:
                    answers = self._operation_messages(
                        reply.get("messages"), channel_id, f"reply of {where}", topic=topic
                    )
                    receives.update(dict.fromkeys(answers))
                    for message in messages:
                        replies.setdefault(message, {}).update(dict.fromkeys(answers))
            elif operation.get("action") == "send":
                receives.update(dict.fromkeys(messages))
            else:
                raise DocumentError(f"{where} has action {operation.get('action')!r}")
        return (
            tuple(sends),
            tuple(receives),
            tuple((message, tuple(answers)) for message, answers in replies.items() if answers),
        )

    def _operation_messages(
        self, refs: Any, channel_id: str, where: str, *, topic: bool
    ) -> list[str]:
        if refs is None:
            # AsyncAPI: an operation without `messages` carries every message of its channel.
            channel_messages = _mapping(self._channel_object(channel_id).get("messages"))
            refs = [{"$ref": f"#/channels/{channel_id}/messages/{key}"} for key in channel_messages]
        names: list[str] = []
        for ref in refs if isinstance(refs, list) else []:
            names.extend(self._message(ref, where, topic=topic))
        return names

    def _message(self, node: Any, where: str, *, topic: bool) -> tuple[str, ...]:
        pointer, message = _last_ref(self._document, node, where)
        if pointer in self._message_names:
            return self._message_names[pointer]
        key = pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
        frame = _mapping(follow(self._document, _mapping(message).get("payload")))
        properties = _mapping(frame.get("properties"))
        action_schema = _mapping(follow(self._document, properties.get("action")))
        actions = _actions(action_schema)
        if not actions:
            raise DocumentError(
                f"message {pointer} has no 'action' (a const or enum string) in its payload; "
                "chanx frames are objects with an 'action' discriminator"
            )
        name = self._message_class_name(key, topic=topic)
        payload_schema = properties.get("payload")
        payload = (
            self._types.type_of(payload_schema, f"{name}Payload", f"{pointer}/payload")
            if payload_schema is not None
            else TypeRef("null")
        )
        summary = _text(message.get("summary"))
        description = _text(message.get("description"))
        if summary is None and description is None:
            description = _text(frame.get("description"))
        names = []
        for index, action in enumerate(actions):
            message_name = name if index == 0 else pascal_case(action)
            source = f"message {pointer}" + (f" (action '{action}')" if index else "")
            self._classes.claim(message_name, source)
            self._messages[message_name] = MessageDef(
                name=message_name,
                action=action,
                payload=payload,
                description=description,
                summary=summary,
            )
            names.append(message_name)
        self._message_names[pointer] = tuple(names)
        return self._message_names[pointer]

    def _message_class_name(self, key: str, *, topic: bool) -> str:
        """``key`` as a class; a topic frame's without its topic repeated, when that is free."""
        name = pascal_case(key)
        short = topic_frame_class_name(key) if topic else None
        if short is None or short in self._taken_class_names:
            return name
        return short


def _message_key_names(document: Mapping[str, Any]) -> frozenset[str]:
    """The class names of every message key: in ``components.messages`` and in channels."""
    keys = list(_mapping(_mapping(document.get("components")).get("messages")))
    for channel in _mapping(document.get("channels")).values():
        keys.extend(_mapping(_mapping(channel).get("messages")))
    return frozenset(pascal_case(key) for key in keys)


def _model_class_names(document: Mapping[str, Any]) -> frozenset[str]:
    """The class names of ``components.schemas`` that are not a message's whole frame."""
    components = _mapping(document.get("components"))
    schemas = list(_mapping(components.get("schemas")))
    frames = {
        _mapping(_mapping(message).get("payload")).get("$ref")
        for message in _mapping(components.get("messages")).values()
    }
    names = schema_class_names(schemas)
    return frozenset(
        name
        for key, name in names.items()
        if "#/components/schemas/" + key.replace("~", "~0").replace("/", "~1") not in frames
    )


def _actions(schema: Mapping[str, Any]) -> list[str]:
    """The action values a frame schema accepts, its default first."""
    if isinstance(schema.get("const"), str):
        return [schema["const"]]
    values = [value for value in schema.get("enum") or [] if isinstance(value, str)]
    default = schema.get("default")
    if default in values:
        values.remove(default)
        values.insert(0, default)
    return values


def _last_ref(document: Mapping[str, Any], node: Any, where: str) -> tuple[str, dict[str, Any]]:
    """Follow ``node``'s ``$ref`` chain, returning the last pointer and the object it names."""
    if not isinstance(node, dict) or not isinstance(node.get("$ref"), str):
        raise DocumentError(f"{where}: messages must be $refs to the channel's messages")
    pointer = node["$ref"]
    target = resolve(document, pointer, at=where)
    seen = {pointer}
    while isinstance(target, dict) and isinstance(target.get("$ref"), str):
        pointer = target["$ref"]
        if pointer in seen:
            raise DocumentError(f"{where}: $ref cycle through '{pointer}'")
        seen.add(pointer)
        target = resolve(document, pointer, at=where)
    if not isinstance(target, dict):
        raise DocumentError(f"{where}: {pointer} is not a message object")
    return pointer, target


def _multiplex(extension: Any) -> MultiplexDef | None:
    if not isinstance(extension, dict):
        return None
    key = extension.get("consumerKey")
    return MultiplexDef(
        consumer_field=str(extension.get("consumerField", "consumer")),
        message_field=str(extension.get("messageField", "message")),
        version_field=str(extension.get("versionField", "version")),
        version=int(extension.get("version", 1)),
        consumer_key=str(key) if key is not None else None,
    )


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
