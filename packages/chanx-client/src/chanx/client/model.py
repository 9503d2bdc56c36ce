"""The intermediate model (IR) the client generators consume.

An AsyncAPI 3.0 document is read once into these frozen dataclasses by :func:`build_api`; the
Python and TypeScript generators see only this model, never the document. Every name in it is
already a valid, unique identifier (collisions are refused while building, naming both sources),
and every tuple is in a deterministic order, so a generator is a pure function of an ``ApiDef``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

TypeKind = Literal[
    "string",
    "integer",
    "number",
    "boolean",
    "null",
    "any",
    "literal",
    "array",
    "map",
    "model",
    "union",
]
"""What a :class:`TypeRef` stands for; ``map`` is a JSON object with arbitrary string keys."""

LiteralValue = str | int | float | bool | None


@dataclass(frozen=True)
class TypeRef:
    """A JSON value's type, reduced to what both target languages can spell.

    - ``literal``: one of ``literals`` (a JSON Schema ``const`` or ``enum``).
    - ``array``: a list of ``item``; ``map``: an object whose values are ``item``.
    - ``model``: the :class:`ModelDef` named ``model``.
    - ``union``: any of ``options`` (never holds ``null``: that is ``nullable``).
    - ``nullable``: ``null`` is accepted as well.
    """

    kind: TypeKind
    literals: tuple[LiteralValue, ...] = ()
    item: TypeRef | None = None
    options: tuple[TypeRef, ...] = ()
    model: str | None = None
    nullable: bool = False


@dataclass(frozen=True)
class FieldDef:
    """One property of a model.

    ``wire_name`` is the JSON key; ``name`` is a valid identifier in both target languages
    (snake_case for Python, differing from ``wire_name`` only when the key is not one).
    ``default`` is a JSON value and is meaningful only when ``has_default`` is true.
    """

    wire_name: str
    name: str
    type: TypeRef
    required: bool
    has_default: bool
    default: Any
    description: str | None


@dataclass(frozen=True)
class ModelDef:
    """A JSON object schema with named properties (a payload or a part of one)."""

    name: str
    description: str | None
    fields: tuple[FieldDef, ...]


@dataclass(frozen=True)
class MessageDef:
    """A whole frame: ``{"action": <action>, "payload": <payload>}``.

    A document message whose ``action`` is an enum of several values becomes one
    ``MessageDef`` per value: the default value keeps the message's name, the others are named
    after their action.
    """

    name: str
    action: str
    payload: TypeRef
    description: str | None
    summary: str | None


@dataclass(frozen=True)
class ParameterDef:
    """A placeholder of a channel address (``{room}``) or of a topic pattern (``{pk}``)."""

    name: str
    identifier: str
    type: TypeRef
    description: str | None


@dataclass(frozen=True)
class TopicDef:
    """A topic mounted on a consumer: many streams multiplexed on that consumer's socket.

    ``pattern`` is the topic name with placeholders (``"room:{pk}"``) filled from ``parameters``.
    ``sends`` are the client -> server messages, ``receives`` the server -> client ones,
    ``replies`` maps a sent message to the messages the server answers it with.
    """

    name: str
    identifier: str
    pattern: str
    parameters: tuple[ParameterDef, ...]
    sends: tuple[str, ...]
    receives: tuple[str, ...]
    replies: tuple[tuple[str, tuple[str, ...]], ...]
    description: str | None


@dataclass(frozen=True)
class MultiplexDef:
    """How frames of a multiplexed route are wrapped (the ``x-chanx-multiplex`` extension).

    A frame for stream ``consumer_key`` travels as
    ``{consumer_field: consumer_key, message_field: <frame>, version_field: version}``;
    the demultiplexer's own channel has no ``consumer_key``.
    """

    consumer_field: str
    message_field: str
    version_field: str
    version: int
    consumer_key: str | None


@dataclass(frozen=True)
class ChannelDef:
    """One WebSocket route (a consumer): where to connect and what travels on it.

    ``id`` is the channel's key in the document; ``sends`` are the client -> server message
    names, ``receives`` the server -> client ones (pushes and replies), ``replies`` maps a sent
    message to the messages the server answers it with.
    """

    id: str
    name: str
    identifier: str
    address: str
    parameters: tuple[ParameterDef, ...]
    sends: tuple[str, ...]
    receives: tuple[str, ...]
    replies: tuple[tuple[str, tuple[str, ...]], ...]
    description: str | None
    topics: tuple[TopicDef, ...]
    multiplex: MultiplexDef | None


@dataclass(frozen=True)
class ApiDef:
    """Everything a generator needs: models in dependency order, messages, channels."""

    title: str
    version: str
    description: str | None
    models: tuple[ModelDef, ...]
    messages: tuple[MessageDef, ...]
    channels: tuple[ChannelDef, ...]

    def message(self, name: str) -> MessageDef:
        """The message called ``name`` (a name taken from a channel's or topic's lists)."""
        for message in self.messages:
            if message.name == name:
                return message
        raise KeyError(name)


def build_api(document: dict[str, Any]) -> ApiDef:
    """Read a loaded AsyncAPI 3.0 document (see :func:`chanx.client.document.load_document`).

    Raises :class:`chanx.client.document.DocumentError` when the document cannot be mapped:
    two sources that convert to the same identifier (both are named), a message whose frame
    has no ``action``, a topic mounted on a channel that does not exist.
    """
    from chanx.client.building import ApiBuilder

    return ApiBuilder(document).build()
