"""The AsyncAPI 3.0 document as typed Pydantic models.

The generator fills these models and serializes the whole document once, at the end, with
:meth:`AsyncAPIDocument.to_dict`. Building typed objects instead of nested dicts means a
misspelt field or a missing required one fails when the document is built, not when a
reader (or the AsyncAPI parser in the browser) meets it.

Only the parts of the specification chanx produces are modelled. Payload schemas stay plain
dicts: they are JSON Schema produced by Pydantic, not AsyncAPI structure.
"""

from __future__ import annotations

import copy
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ASYNCAPI_VERSION: Final = "3.0.0"
"""The AsyncAPI specification version every generated document declares."""


class _Model(BaseModel):
    # `extra="forbid"` mirrors the specification's `additionalProperties: false`: a wrong
    # field name is a bug in the generator, better found when the model is built.
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Reference(_Model):
    """A ``{"$ref": "#/..."}`` pointer to another part of the document."""

    ref: str = Field(alias="$ref")


class _Frozen(_Model):
    # Hashable, so the Django side can key its document cache by these values.
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class Tag(_Frozen):
    """A label grouping channels, operations or messages in the UI."""

    name: str
    description: str | None = None


class Contact(_Frozen):
    """Who to ask about the API (``info.contact``)."""

    name: str | None = None
    url: str | None = None
    email: str | None = None


class License(_Frozen):
    """The API's license (``info.license``): its name, and a URL to its text."""

    name: str
    url: str | None = None


class Info(_Model):
    """What the API is: title, version, a longer description, contact, license and tags."""

    title: str
    version: str
    description: str | None = None
    contact: Contact | None = None
    license: License | None = None
    tags: list[Tag] | None = None


class Server(_Model):
    """Where clients connect: ``host`` (with port) and ``protocol`` (``ws`` or ``wss``).

    Frozen, hence hashable: the Django side caches documents per server.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    host: str
    protocol: str
    pathname: str | None = None
    description: str | None = None


class Parameter(_Model):
    """A ``{name}`` placeholder in a channel address (a URL route keyword argument)."""

    description: str | None = None
    enum: list[str] | None = None
    default: str | None = None
    examples: list[str] | None = None


class MessageExample(_Model):
    """One example frame of a message: ``payload`` is the whole frame, as sent on the wire."""

    name: str | None = None
    summary: str | None = None
    payload: dict[str, Any]


class CorrelationId(_Model):
    """Where a message carries the id that pairs a reply with its request.

    ``location`` is a runtime expression such as ``$message.payload#/ref``.
    """

    description: str | None = None
    location: str


class Message(_Model):
    """One kind of frame: its name (the action), documentation and payload schema.

    ``payload`` describes the whole frame (action key and payload), since that is what
    crosses the wire; it points into ``components/schemas``. ``correlation_id`` points
    into ``components/correlationIds`` for a message that can be a request or a reply.
    """

    name: str
    title: str | None = None
    summary: str | None = None
    description: str | None = None
    content_type: str | None = Field(default=None, alias="contentType")
    payload: Reference
    correlation_id: Reference | None = Field(default=None, alias="correlationId")
    tags: list[Tag] | None = None
    examples: list[MessageExample] | None = None


class ServerEvent(_Model):
    """A server-side event a consumer accepts, listed in its channel's ``x-chanx-events``.

    Events reach a consumer from server code through the channel layer (``send_event``,
    ``broadcast_event``), never from its client: they are not messages of the channel.
    What the client then receives is documented by the channel's ``send`` operations.
    """

    name: str
    title: str
    summary: str | None = None
    description: str | None = None


class WebSocketsChannelBinding(_Model):
    """How the WebSocket connection is opened (the ``ws`` channel binding 0.1.0)."""

    method: Literal["GET", "POST"] = "GET"
    binding_version: Literal["0.1.0"] = Field(default="0.1.0", alias="bindingVersion")


class ChannelBindings(_Model):
    """Protocol-specific details of a channel; chanx channels are WebSocket connections."""

    ws: WebSocketsChannelBinding = Field(default_factory=WebSocketsChannelBinding)


class MultiplexExtension(_Model):
    """How to address a channel of a multiplexed route (``x-chanx-multiplex``).

    Frames of a sub-consumer's channel travel as ``{versionField: version, consumerField:
    consumerKey, messageField: <message>}``; the channel's messages describe the inner
    message. The demultiplexer's own channel has no ``consumerKey``: its frames are not
    enveloped.
    """

    consumer_field: str = Field(alias="consumerField")
    message_field: str = Field(alias="messageField")
    version_field: str = Field(alias="versionField")
    version: int
    consumer_key: str | None = Field(default=None, alias="consumerKey")


class TopicEnvelope(_Model):
    """The keys a frame on a topic carries beside its message, and the envelope version."""

    version: int
    topic_field: str = Field(alias="topicField")
    ref_field: str = Field(alias="refField")
    version_field: str = Field(alias="versionField")
    seq_field: str = Field(alias="seqField")


class TopicExtension(_Model):
    """How to address a topic channel (``x-topic``).

    ``pattern`` names the topic instances (``room:{pk}``), ``parameters`` gives the JSON
    Schema each ``{name}`` must satisfy, ``consumer`` is the id of the channel the topic
    is mounted on (the connection its frames travel on) and ``envelope`` the keys that
    carry the topic, the correlation ``ref`` and the push ``seq`` on each frame.
    """

    pattern: str
    parameters: dict[str, dict[str, Any]] = Field(default_factory=dict)
    consumer: str
    envelope: TopicEnvelope


class Channel(_Model):
    """One WebSocket endpoint: its address, parameters and the messages that cross it.

    ``events`` (``x-chanx-events``, a specification extension) lists the server-side events
    its consumer accepts: the ones of its type parameter and the ones it handles.
    """

    address: str
    title: str | None = None
    summary: str | None = None
    description: str | None = None
    messages: dict[str, Reference] = Field(default_factory=dict)
    parameters: dict[str, Parameter] | None = None
    tags: list[Tag] | None = None
    bindings: ChannelBindings | None = None
    events: list[ServerEvent] | None = Field(default=None, alias="x-chanx-events")
    multiplex: MultiplexExtension | None = Field(default=None, alias="x-chanx-multiplex")
    topic: TopicExtension | None = Field(default=None, alias="x-topic")


SecuritySchemeType = Literal[
    "userPassword",
    "apiKey",
    "X509",
    "symmetricEncryption",
    "asymmetricEncryption",
    "httpApiKey",
    "http",
    "plain",
    "scramSha256",
    "scramSha512",
    "gssapi",
]
"""The security scheme types chanx can document (every 3.0 type but ``oauth2`` and
``openIdConnect``, whose flows a WebSocket handshake does not run)."""

# Per type: the optional fields it allows and, among them, the ones it requires (by their
# specification names; ``bearerFormat`` only goes with the ``bearer`` scheme).
_SCHEME_FIELDS: Final[dict[str, tuple[frozenset[str], tuple[str, ...]]]] = {
    "httpApiKey": (frozenset({"name", "in"}), ("name", "in")),
    "apiKey": (frozenset({"in"}), ("in",)),
    "http": (frozenset({"scheme", "bearerFormat"}), ("scheme",)),
}
_SCHEME_PLACES: Final[dict[str, tuple[str, ...]]] = {
    "httpApiKey": ("header", "query", "cookie"),
    "apiKey": ("user", "password"),
}


class SecurityScheme(_Frozen):
    """How a client proves who it is when it opens a connection (``components/securitySchemes``).

    The fields a type allows follow the specification: ``httpApiKey`` needs ``name`` and
    ``in`` (``header``, ``query`` or ``cookie``), ``http`` needs ``scheme`` (``basic``,
    ``bearer``...) and allows ``bearerFormat`` with ``bearer`` only, ``apiKey`` needs ``in``
    (``user`` or ``password``); the other types take a ``description`` alone::

        SecurityScheme(type="httpApiKey", name="sessionid", in_="cookie")
    """

    type: SecuritySchemeType
    description: str | None = None
    name: str | None = None
    in_: Literal["user", "password", "header", "query", "cookie"] | None = Field(
        default=None, alias="in"
    )
    scheme: str | None = None
    bearer_format: str | None = Field(default=None, alias="bearerFormat")

    @model_validator(mode="after")
    def _fields_fit_the_type(self) -> SecurityScheme:
        allowed, required = _SCHEME_FIELDS.get(self.type, (frozenset(), ()))
        if self.scheme != "bearer":
            allowed = allowed - {"bearerFormat"}
        given = {
            key
            for key, value in self.model_dump(
                by_alias=True, exclude={"type", "description"}
            ).items()
            if value is not None
        }
        if given - allowed:
            raise ValueError(
                f"a {self.type!r} security scheme does not take {sorted(given - allowed)}"
            )
        missing = [key for key in required if key not in given]
        if missing:
            raise ValueError(f"a {self.type!r} security scheme needs {missing}")
        places = _SCHEME_PLACES.get(self.type, ())
        if self.in_ is not None and self.in_ not in places:
            raise ValueError(
                f"a {self.type!r} security scheme is 'in' one of {list(places)}, not {self.in_!r}"
            )
        return self


class OperationReply(_Model):
    """What the server answers to a received message, on the same channel."""

    channel: Reference
    messages: list[Reference]


class Operation(_Model):
    """Something the server does on a channel.

    ``receive``: the server accepts these messages from the client. ``send``: the server
    sends them to the client.
    """

    action: Literal["send", "receive"]
    channel: Reference
    title: str | None = None
    summary: str | None = None
    description: str | None = None
    messages: list[Reference]
    reply: OperationReply | None = None
    security: list[Reference] | None = None
    tags: list[Tag] | None = None


class Components(_Model):
    """Reusable parts: messages, the JSON Schemas of their payloads, security schemes and
    correlation ids."""

    schemas: dict[str, dict[str, Any]] = Field(default_factory=dict)
    messages: dict[str, Message] = Field(default_factory=dict)
    correlation_ids: dict[str, CorrelationId] | None = Field(default=None, alias="correlationIds")
    security_schemes: dict[str, SecurityScheme] | None = Field(
        default=None, alias="securitySchemes"
    )


class AsyncAPIDocument(_Model):
    """A complete AsyncAPI 3.0 document."""

    asyncapi: Literal["3.0.0"] = ASYNCAPI_VERSION
    info: Info
    servers: dict[str, Server] | None = None
    default_content_type: str | None = Field(default="application/json", alias="defaultContentType")
    channels: dict[str, Channel] = Field(default_factory=dict)
    operations: dict[str, Operation] = Field(default_factory=dict)
    components: Components = Field(default_factory=Components)

    def to_dict(self) -> dict[str, Any]:
        """The document as JSON-ready data: spec field names, no empty optional fields.

        Payload schemas are copied as they are: ``exclude_none`` would also strip a
        meaningful ``"default": null`` or ``"const": null`` from inside them.
        """
        data = self.model_dump(
            mode="json", by_alias=True, exclude_none=True, exclude={"components": {"schemas"}}
        )
        components = data.setdefault("components", {})
        schemas = (
            {"schemas": copy.deepcopy(self.components.schemas)} if self.components.schemas else {}
        )
        data["components"] = {**schemas, **components}
        return data


__all__ = [
    "ASYNCAPI_VERSION",
    "AsyncAPIDocument",
    "Channel",
    "ChannelBindings",
    "Components",
    "Contact",
    "CorrelationId",
    "Info",
    "License",
    "Message",
    "MessageExample",
    "MultiplexExtension",
    "Operation",
    "OperationReply",
    "Parameter",
    "Reference",
    "SecurityScheme",
    "SecuritySchemeType",
    "Server",
    "ServerEvent",
    "Tag",
    "TopicEnvelope",
    "TopicExtension",
    "WebSocketsChannelBinding",
]
