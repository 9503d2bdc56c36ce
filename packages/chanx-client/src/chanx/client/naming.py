"""Turning document names (``chat_room``, ``chatRoom``, ``a__b__Item``) into identifiers.

Conversion loses information (``chat_room`` and ``chatRoom`` both become ``ChatRoom``), so every
name is claimed in a :class:`NameRegistry` that refuses a second source for the same identifier
and names both sources in the error: the user renames one of them in the server code.
"""

from __future__ import annotations

import keyword
import re

from chanx.client.document import DocumentError

_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+[0-9]*|[A-Z]+[0-9]*|[0-9]+")

# Names a generated module imports or a generated class inherits: a model, field or parameter
# with one of these names would shadow them, so it gets a trailing underscore instead.
PYTHON_RESERVED_CLASSES = frozenset(
    {
        "Annotated",
        "Any",
        "BaseModel",
        "ChanxClient",
        "ClassVar",
        "ClientOptions",
        "ConfigDict",
        "Field",
        "Literal",
        "TopicHandle",
        "TypeAdapter",
        "Unpack",
        "None",
        "True",
        "False",
    }
)
FIELD_RESERVED = frozenset(
    {
        # builtins spelled in generated annotations (a class attribute would shadow them)
        "bool",
        "dict",
        "float",
        "int",
        "list",
        "object",
        "str",
        # pydantic.BaseModel's public attributes (a field may not shadow them)
        "construct",
        "copy",
        "fields",
        "from_orm",
        "json",
        "parse_file",
        "parse_obj",
        "parse_raw",
        "schema",
        "schema_json",
        "update_forward_refs",
        "validate",
    }
)
# Names a generated client method already uses for its own arguments.
PARAMETER_RESERVED = frozenset({"base_url", "options", "path_params", "self", "timeout"})


def words(name: str) -> list[str]:
    """The words of ``name``, split on separators and camelCase boundaries."""
    return _WORDS.findall(name)


def pascal_case(name: str) -> str:
    """``chat_room`` / ``chatRoom`` / ``chat-room`` -> ``ChatRoom`` (acronyms are kept)."""
    result = "".join(word[:1].upper() + word[1:] for word in words(name))
    if not result:
        result = "Unnamed"
    if result[0].isdigit():
        result = f"N{result}"
    if result in PYTHON_RESERVED_CLASSES:
        result = f"{result}Model"
    return result


def snake_case(name: str) -> str:
    """``chatRoom`` / ``ChatRoom`` / ``chat-room`` -> ``chat_room``, never a Python keyword."""
    result = "_".join(word.lower() for word in words(name))
    if not result:
        result = "value"
    if result[0].isdigit():
        result = f"n{result}"
    return f"{result}_" if keyword.iskeyword(result) else result


def field_identifier(wire_name: str) -> str:
    """The model attribute for JSON key ``wire_name``: the key itself when it already is one.

    Keys that are keywords, shadow a builtin or a ``BaseModel`` attribute, or fall in
    Pydantic's ``model_`` namespace get a trailing underscore (the key stays the alias).
    """
    if wire_name.isidentifier() and wire_name.isascii() and not wire_name.startswith("_"):
        name = wire_name
    else:
        name = snake_case(wire_name)
    if keyword.iskeyword(name) or name in FIELD_RESERVED or name.startswith("model_"):
        return f"{name}_"
    return name


def parameter_identifier(wire_name: str) -> str:
    """The keyword argument for address or topic placeholder ``wire_name`` (snake_case)."""
    name = snake_case(wire_name)
    return f"{name}_" if name in PARAMETER_RESERVED else name


def schema_class_names(keys: list[str]) -> dict[str, str]:
    """Class names for ``components.schemas`` keys.

    Pydantic qualifies clashing model names with their module (``tests__shop__models__Item``);
    each key keeps only as many trailing module parts as it needs to stay unique among keys
    with the same last part (``Item``, or ``ShopModelsItem`` and ``MessagesItem``).
    """
    parts = {key: [part for part in key.split("__") if part] or [key] for key in keys}
    groups: dict[str, list[str]] = {}
    for key, key_parts in parts.items():
        groups.setdefault(key_parts[-1], []).append(key)
    names: dict[str, str] = {}
    for group in groups.values():
        for key in group:
            others = [parts[other] for other in group if other != key]
            size = 1
            while size < len(parts[key]) and any(
                other[-size:] == parts[key][-size:] for other in others
            ):
                size += 1
            names[key] = pascal_case("_".join(parts[key][-size:]))
    return names


def topic_frame_class_name(key: str) -> str | None:
    """A shorter class name for topic frame component ``key``, or ``None`` to keep the full one.

    chanx-asyncapi names each message of a topic ``<Topic>__<Message>``
    (``PublicRoomList__PublicRoomListCreated``); when the message's words already start with
    the topic's words, spelling both repeats the topic (``PublicRoomListPublicRoomListCreated``),
    so the topic part is dropped (``PublicRoomListCreated``). Other keys, and messages named
    exactly like their topic, keep the full name. Whether the short name is free is the
    caller's business: it knows which other names the document holds.
    """
    parts = [part for part in key.split("__") if part]
    if len(parts) < 2:
        return None
    topic = [word.lower() for word in words(parts[-2])]
    message = [word.lower() for word in words(parts[-1])]
    if len(message) <= len(topic) or message[: len(topic)] != topic:
        return None
    return pascal_case("_".join([*parts[:-2], parts[-1]]))


class NameRegistry:
    """Identifiers already handed out in one namespace, and where each came from."""

    def __init__(self, namespace: str) -> None:
        self._namespace = namespace
        self._sources: dict[str, str] = {}

    def claim(self, identifier: str, source: str) -> str:
        """Record that ``source`` is called ``identifier``; refuse a second source for it."""
        owner = self._sources.setdefault(identifier, source)
        if owner != source:
            raise DocumentError(
                f"identifier collision: {owner} and {source} both become the {self._namespace} "
                f"'{identifier}'; rename one of them"
            )
        return identifier

    def __contains__(self, identifier: object) -> bool:
        return identifier in self._sources
