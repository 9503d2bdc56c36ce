"""Build an AsyncAPI 3.0 document from chanx consumers: a plain function of the routing.

The input is a list of :class:`WebSocketRoute` (an address such as ``/ws/rooms/{room}/``
and the consumer class serving it) and the document's metadata; the output is an
:class:`~chanx.asyncapi.models.AsyncAPIDocument`. Nothing here imports Django: the Django
side (:mod:`chanx.asyncapi.discovery`) only finds the routes.

What each consumer becomes:

* a **channel** at the route's address, with one ``parameters`` entry per ``{name}``,
  named and described by ``@channel`` on the class (else its name and docstring);
* a **receive** operation per ``@ws_handler``, whose ``reply`` lists what the handler
  returns (its return annotation's message types): only that goes back to the sender.
  Other declared outputs are broadcasts, which the sender may not receive
  (``exclude_current=True``), so they are documented by the channel's send operations only;
* a **send** operation per ``@event_handler`` that has outputs (``passthrough_events``
  count as handlers whose output is the event itself), and one per other message the
  server may send: replies, broadcasts declared with ``output_type``, the built-in
  ``error`` (any frame can get one), ``authentication`` (when the consumer has an
  ``authenticator_class``) and, with ``send_completion`` (the ``SEND_COMPLETION``
  setting), the completion signals;
* for a consumer with an ``authenticator_class``, its authenticator's security schemes in
  ``components/securitySchemes``, referenced from the ``security`` of each of its
  operations (see :mod:`chanx.asyncapi.security`);
* a ``ws`` binding on every channel (the connection is opened with an HTTP ``GET``);
* an example frame on every message that can be built from its defaults alone (``ping``,
  ``complete``...), encoded as the consumers encode it;
* for a demultiplexer (``chanx.channels.multiplex``), its own channel plus one channel per
  envelope key at the same address, each with ``x-chanx-multiplex``
  (:mod:`chanx.asyncapi.multiplex`);
* an ``x-chanx-events`` list on the channel naming the server-side events the consumer
  accepts (its type parameter's and the ones it handles); events are not channel
  messages, since they never cross the WebSocket as such;
* for a consumer with ``topics``, one channel per mounted topic class at the same
  address, with ``x-topic`` and its frames' own schemas (:mod:`chanx.asyncapi.topics`);
* request/reply correlation: messages that may carry a client's ``ref`` list it (and
  ``version`` on client frames) and share a ``correlationId``
  (:mod:`chanx.asyncapi.correlation`).

Payload schemas come from Pydantic in one pass over every message, so a model shared by
several messages or consumers is defined once in ``components/schemas``, and two different
models with the same class name get module-qualified names. Channel and operation ids are
identifiers (``chatDetail``, ``chatDetailHandlePing``; see :mod:`chanx.asyncapi.naming`).
The output is deterministic: the same routes give the same document, byte for byte once
rendered.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from pydantic import ValidationError

from chanx.asyncapi.correlation import (
    CORRELATION_ID,
    CORRELATION_ID_NAME,
    ENVELOPE_MESSAGES,
    add_ref_keys,
    correlate,
    reply_capable,
)
from chanx.asyncapi.message_schemas import SCHEMA_REF, message_schemas
from chanx.asyncapi.models import (
    AsyncAPIDocument,
    Channel,
    ChannelBindings,
    Components,
    Contact,
    Info,
    License,
    Message,
    MessageExample,
    MultiplexExtension,
    Operation,
    OperationReply,
    Parameter,
    Reference,
    SecurityScheme,
    Server,
    ServerEvent,
    Tag,
)
from chanx.asyncapi.multiplex import (
    DEMULTIPLEXER_MESSAGES,
    multiplex_extension,
    multiplex_of,
    stream_channel_id,
)
from chanx.asyncapi.naming import channel_ids, channel_name, claim, operation_id
from chanx.asyncapi.security import consumer_security
from chanx.asyncapi.topic_frames import add_topic_messages, add_topic_schemas, keep_documented
from chanx.asyncapi.topics import (
    TopicChannelPlan,
    plan_topic_channels,
    topic_channel,
    topic_operations,
)
from chanx.core.codec import MessageCodec
from chanx.core.decorators import CHANNEL_ATTR, ChannelInfo
from chanx.core.discovery import ConsumerSpec, HandlerInfo, message_actions
from chanx.core.wire import DEFAULT_ACTION_KEY
from chanx.messages.base import BaseMessage
from chanx.messages.outgoing import (
    AuthenticationMessage,
    CompleteMessage,
    ErrorMessage,
    EventCompleteMessage,
    GroupCompleteMessage,
)

_PLACEHOLDER = re.compile(r"{([^{}]+)}")


@dataclass(frozen=True)
class WebSocketRoute:
    """One WebSocket endpoint: where it is and which consumer class serves it.

    ``address`` is the URL path with ``{name}`` for each keyword argument the route
    captures, e.g. ``/ws/rooms/{room_name}/``. ``parameters`` may describe them
    (name → description); a placeholder missing from it is still documented.
    """

    address: str
    consumer: type
    parameters: Mapping[str, str] = field(default_factory=dict)


def server_from_url(url: str, *, protocol: str | None = None) -> Server:
    """A :class:`Server` from a URL such as ``wss://api.example.com/base``.

    Without a scheme the URL is taken as ``host[:port][/path]`` and the protocol defaults
    to ``ws``; ``protocol`` overrides whatever the URL says.
    """
    parts = urlsplit(url if "://" in url else f"ws://{url}")
    if not parts.netloc:
        raise ValueError(f"Server URL {url!r} has no host; use e.g. 'wss://api.example.com'")
    pathname = parts.path.rstrip("/") or None
    return Server(host=parts.netloc, protocol=protocol or parts.scheme, pathname=pathname)


def generate_document(
    routes: Sequence[WebSocketRoute],
    *,
    title: str = "AsyncAPI Documentation",
    version: str = "1.0.0",
    description: str | None = None,
    servers: Mapping[str, Server] | None = None,
    camelize: bool = False,
    action_key: str = DEFAULT_ACTION_KEY,
    send_completion: bool = False,
    contact: Contact | None = None,
    license: License | None = None,
    tags: Sequence[Tag] = (),
) -> AsyncAPIDocument:
    """Describe ``routes`` as an AsyncAPI 3.0 document.

    ``camelize`` and ``action_key`` must match how the consumers encode frames (the
    ``CAMELIZE`` and ``MESSAGE_ACTION_KEY`` settings), so the schemas show the keys
    clients really see; ``send_completion`` (the ``SEND_COMPLETION`` setting) adds the
    completion signals the consumers then send. ``contact``, ``license`` and ``tags`` go
    to ``info``. Raises ``TypeError`` for a route whose consumer is not a chanx consumer::

        document = generate_document(
            [WebSocketRoute("/ws/chat/{room}/", ChatConsumer)],
            title="Chat",
            servers={"default": server_from_url("wss://chat.example.com")},
        )
        data = document.to_dict()
    """
    plans = _plan_channels(routes, send_completion=send_completion)
    topics = plan_topic_channels(
        [(plan.key, plan.route.consumer) for plan in plans],
        {plan.key for plan in plans},
        send_completion=send_completion,
    )
    schemas, message_keys = message_schemas(
        [
            *(cls for plan in plans for cls in plan.incoming),
            *(cls for topic in topics for cls in topic.messages.incoming),
        ],
        [
            *(cls for plan in plans for cls in plan.outgoing),
            *(cls for topic in topics for cls in topic.messages.outgoing),
        ],
        camelize=camelize,
        action_key=action_key,
    )
    correlated = add_ref_keys(
        schemas,
        message_keys,
        requests=[cls for plan in plans for cls in plan.incoming],
        replies=reply_capable(plan.spec for plan in plans),
    )
    topic_keys = add_topic_schemas(topics, schemas, message_keys)
    codec = MessageCodec(None, action_key=action_key, camelize=camelize)
    builder = _DocumentBuilder(message_keys)
    for plan in plans:
        builder.add_channel(plan)
        for topic in topics:
            if topic.consumer_key == plan.key:
                builder.add_topic_channel(topic, topic_keys, plan)
    messages = _component_messages(message_keys, codec)
    correlate(messages, correlated)
    add_topic_messages(topics, topic_keys, messages, message_keys)
    messages = keep_documented(builder.channels, messages, schemas)
    has_correlation = any(message.correlation_id for message in messages.values())
    return AsyncAPIDocument(
        info=Info(
            title=title,
            version=version,
            description=description or None,
            contact=contact,
            license=license,
            tags=list(tags) or None,
        ),
        servers=dict(sorted(servers.items())) if servers else None,
        channels=builder.channels,
        operations=builder.operations,
        components=Components(
            schemas=dict(sorted(schemas.items())),
            messages=messages,
            correlation_ids={CORRELATION_ID_NAME: CORRELATION_ID} if has_correlation else None,
            security_schemes=dict(sorted(builder.security_schemes.items())) or None,
        ),
    )


@dataclass
class _ChannelPlan:
    """What one route contributes, gathered before any schema is generated."""

    key: str
    route: WebSocketRoute
    spec: ConsumerSpec
    info: ChannelInfo
    incoming: list[type[BaseMessage]]
    outgoing: list[type[BaseMessage]]
    events: list[type[BaseMessage]]
    security: dict[str, SecurityScheme]
    multiplex: MultiplexExtension | None = None
    parent: _ChannelPlan | None = None
    """The demultiplexer's channel, for a stream of a multiplexed route."""


def _consumer_spec(route: WebSocketRoute) -> ConsumerSpec:
    spec = getattr(route.consumer, "__chanx_spec__", None)
    if not isinstance(spec, ConsumerSpec):
        raise TypeError(
            f"{route.address}: {route.consumer!r} is not a chanx consumer (it has no "
            "handler table); subclass chanx.channels.websocket.AsyncJsonWebsocketConsumer "
            "or leave the route out of the documented routes."
        )
    return spec


def _channel_info(cls: type) -> ChannelInfo:
    """``@channel`` of this very class, else its name and own docstring.

    A subclass is a different endpoint, so it does not inherit its parent's ``@channel``
    (which would give several channels one name) nor its docstring (which would describe
    every plain consumer with the base class's text).
    """
    declared = vars(cls).get(CHANNEL_ATTR)
    info = declared if isinstance(declared, ChannelInfo) else ChannelInfo()
    return ChannelInfo(
        name=info.name or cls.__name__,
        description=info.description or _own_doc(cls),
        tags=info.tags,
    )


def _own_doc(cls: type) -> str | None:
    doc = vars(cls).get("__doc__")
    return inspect.cleandoc(doc) if isinstance(doc, str) and doc.strip() else None


def _outgoing(spec: ConsumerSpec, *, send_completion: bool) -> list[type[BaseMessage]]:
    """Every message the server may send on this consumer's connections, each once."""
    found: list[type[BaseMessage]] = []
    for handler in spec.handlers:
        found += handler.output_types
    if getattr(spec.consumer, "authenticator_class", None) is not None:
        found.append(AuthenticationMessage)
    found += [ErrorMessage, *ENVELOPE_MESSAGES]
    if send_completion:
        found += [CompleteMessage, GroupCompleteMessage]
        if spec.event_handlers:
            found.append(EventCompleteMessage)
    return list(dict.fromkeys(found))


def _plan_channels(
    routes: Sequence[WebSocketRoute], *, send_completion: bool
) -> list[_ChannelPlan]:
    plans = []
    for route in routes:
        plans.append(_plan(route, send_completion=send_completion))
        multiplex = multiplex_of(route.consumer)
        if multiplex is None:
            continue
        # One channel for the demultiplexer itself, then one per stream at its address.
        own = plans[-1]
        own.outgoing = list(dict.fromkeys([*own.outgoing, *DEMULTIPLEXER_MESSAGES]))
        own.multiplex = multiplex_extension(multiplex)
        for key, consumer in multiplex.consumers:
            stream = _plan(
                WebSocketRoute(route.address, consumer, route.parameters),
                send_completion=send_completion,
            )
            stream.multiplex = multiplex_extension(multiplex, key)
            stream.parent = own
            plans.append(stream)
    pairs = [(plan.route.address, plan.route.consumer) for plan in plans if plan.parent is None]
    duplicates = sorted(
        {
            f"{address} ({consumer.__qualname__})"
            for address, consumer in pairs
            if pairs.count((address, consumer)) > 1
        }
    )
    if duplicates:
        raise ValueError(
            f"Routes {duplicates} are documented twice (same consumer at the same address); "
            "remove the duplicate route."
        )
    routed = [plan for plan in plans if plan.parent is None]
    ids = channel_ids([(channel_name(plan.route.consumer), plan.route.address) for plan in routed])
    for plan, channel_id in zip(routed, ids, strict=True):
        plan.key = channel_id
    for plan in plans:
        if plan.parent is not None and plan.multiplex is not None:
            plan.key = stream_channel_id(plan.parent.key, plan.multiplex.consumer_key or "")
    return plans


def _plan(route: WebSocketRoute, *, send_completion: bool) -> _ChannelPlan:
    spec = _consumer_spec(route)
    return _ChannelPlan(
        key="",
        route=route,
        spec=spec,
        info=_channel_info(route.consumer),
        incoming=spec.incoming_types,
        outgoing=_outgoing(spec, send_completion=send_completion),
        events=spec.accepted_events,
        security=consumer_security(route.consumer),
    )


def _example(cls: type[BaseMessage], codec: MessageCodec) -> list[MessageExample] | None:
    """The frame of a message built from its defaults alone; None when it needs values."""
    try:
        instance = cls.model_validate({})
    except ValidationError:
        return None
    return [MessageExample(name=instance.action, payload=json.loads(codec.encode(instance)))]


def _component_messages(
    message_keys: Mapping[type[BaseMessage], str], codec: MessageCodec
) -> dict[str, Message]:
    messages = {}
    for cls, key in message_keys.items():
        summary, description = _split_doc(_own_doc(cls))
        messages[key] = Message(
            name=" | ".join(message_actions(cls)),
            # The component key, not the class name: two models named alike get different
            # keys, and generators (Modelina) name their types by title.
            title=key,
            summary=summary,
            description=description,
            payload=Reference(ref=SCHEMA_REF.format(model=key)),
            examples=_example(cls, codec),
        )
    return dict(sorted(messages.items()))


def _server_events(classes: Sequence[type[BaseMessage]]) -> list[ServerEvent] | None:
    """How the channel lists the events its consumer accepts, in declaration order."""
    events = []
    for cls in classes:
        summary, description = _split_doc(_own_doc(cls))
        events.append(
            ServerEvent(
                name=" | ".join(message_actions(cls)),
                title=cls.__name__,
                summary=summary,
                description=description,
            )
        )
    return events or None


def _split_doc(doc: str | None) -> tuple[str | None, str | None]:
    """First paragraph as summary, the rest as description."""
    if not doc:
        return None, None
    first, _, rest = doc.partition("\n\n")
    return " ".join(first.split()), rest.strip() or None


def _tags(names: Iterable[str]) -> list[Tag] | None:
    unique = list(dict.fromkeys(names))
    return [Tag(name=name) for name in unique] or None


class _DocumentBuilder:
    """Collects channels and operations, one route at a time, in route order."""

    def __init__(self, message_keys: Mapping[type[BaseMessage], str]) -> None:
        self.message_keys = message_keys
        self.channels: dict[str, Channel] = {}
        self.operations: dict[str, Operation] = {}
        self.security_schemes: dict[str, SecurityScheme] = {}
        self._scheme_owners: dict[str, type] = {}
        self._operation_ids: set[str] = set()

    def _operation_id(self, channel_key: str, *parts: str) -> str:
        """A new operation id of this channel, numbered if an earlier operation has it."""
        return claim(operation_id(channel_key, *parts), self._operation_ids)

    def add_channel(self, plan: _ChannelPlan) -> None:
        route, spec, key = plan.route, plan.spec, plan.key
        messages = dict.fromkeys(self.message_keys[cls] for cls in (*plan.incoming, *plan.outgoing))
        self.channels[key] = Channel(
            address=route.address,
            title=plan.info.name,
            description=plan.info.description,
            messages={
                name: Reference(ref=f"#/components/messages/{name}") for name in sorted(messages)
            },
            parameters=_parameters(route),
            tags=_tags(plan.info.tags),
            bindings=ChannelBindings(),
            events=_server_events(plan.events),
            multiplex=plan.multiplex,
        )
        channel_ref = Reference(ref=f"#/channels/{key}")
        security = self._security(plan)
        # A handler of a message with several actions is in the table once per action.
        for handler in {info.name: info for info in spec.ws_handlers.values()}.values():
            replies = self._refs(key, handler.reply_types)
            self.operations[self._operation_id(key, handler.name)] = self._operation(
                "receive",
                channel_ref,
                handler,
                self._refs(key, [handler.input_type]),
                reply=OperationReply(channel=channel_ref, messages=replies) if replies else None,
                security=security,
            )
        covered: set[type[BaseMessage]] = set()
        for handler in {info.name: info for info in spec.event_handlers.values()}.values():
            if not handler.output_types:
                continue
            covered.update(handler.output_types)
            self.operations[self._operation_id(key, handler.name)] = self._operation(
                "send",
                channel_ref,
                handler,
                self._refs(key, handler.output_types),
                security=security,
            )
        for cls in plan.outgoing:
            if cls in covered:
                continue
            summary, description = _split_doc(_own_doc(cls))
            action = " | ".join(message_actions(cls))
            self.operations[self._operation_id(key, "send", self.message_keys[cls])] = Operation(
                action="send",
                channel=channel_ref,
                summary=summary or f"Send {action}",
                description=description or f"The server sends `{action}` to the client.",
                messages=self._refs(key, [cls]),
                security=security,
            )

    def add_topic_channel(
        self,
        topic: TopicChannelPlan,
        keys: Mapping[tuple[type, type[BaseMessage]], str],
        consumer: _ChannelPlan,
    ) -> None:
        """The channel of a topic mounted on ``consumer``'s (added already) and its operations."""
        self.channels[topic.key] = topic_channel(topic, self.channels[consumer.key], keys)
        self.operations.update(
            topic_operations(
                topic,
                keys,
                self.message_keys,
                claim_id=lambda candidate: claim(candidate, self._operation_ids),
                security=self._security(consumer),
            )
        )

    def _security(self, plan: _ChannelPlan) -> list[Reference] | None:
        """The channel's schemes, added to the document's; None when it needs no credentials.

        Consumers whose authenticators declare the same scheme share its component; one
        name declared as two different schemes is refused.
        """
        consumer = plan.route.consumer
        for name, scheme in plan.security.items():
            known = self.security_schemes.setdefault(name, scheme)
            if known != scheme:
                first = self._scheme_owners[name]
                raise ValueError(
                    f"Security scheme {name!r} is declared one way by the authenticator of "
                    f"{first.__qualname__} and another way by the one of "
                    f"{consumer.__qualname__}; give one of them another name in its "
                    "asyncapi_security()."
                )
            self._scheme_owners.setdefault(name, consumer)
        refs = [Reference(ref=f"#/components/securitySchemes/{name}") for name in plan.security]
        return refs or None

    def _refs(self, channel_key: str, classes: Iterable[type[BaseMessage]]) -> list[Reference]:
        # Operations must point at the channel's messages, not at components directly.
        return [
            Reference(ref=f"#/channels/{channel_key}/messages/{self.message_keys[cls]}")
            for cls in dict.fromkeys(classes)
        ]

    @staticmethod
    def _operation(
        action: Literal["send", "receive"],
        channel: Reference,
        handler: HandlerInfo,
        messages: list[Reference],
        reply: OperationReply | None = None,
        security: list[Reference] | None = None,
    ) -> Operation:
        return Operation(
            action=action,
            channel=channel,
            summary=handler.summary,
            description=handler.description or _handler_description(action, handler),
            messages=messages,
            reply=reply,
            security=security,
            tags=_tags(handler.tags),
        )


def _quoted_actions(classes: Iterable[type[BaseMessage]]) -> str:
    return ", ".join(f"`{action}`" for cls in classes for action in message_actions(cls))


def _handler_description(action: Literal["send", "receive"], handler: HandlerInfo) -> str:
    """What an undocumented handler does, said from its types.

    Every operation gets a description (Spectral's ``asyncapi-3-operation-description``),
    and one built from the messages is true, unlike an empty one.
    """
    inputs = _quoted_actions([handler.input_type])
    if action == "receive":
        text = f"Handles {inputs} frames from the client."
        if handler.reply_types:
            text += f" Answers its sender with {_quoted_actions(handler.reply_types)}."
        broadcasts = [t for t in handler.output_types if t not in handler.reply_types]
        if broadcasts:
            text += f" May send {_quoted_actions(broadcasts)} to the connection's groups."
        return text
    outputs = _quoted_actions(handler.output_types)
    return f"Sends {outputs} to the client when the server-side event {inputs} arrives."


def _parameters(route: WebSocketRoute) -> dict[str, Parameter] | None:
    names = list(dict.fromkeys(_PLACEHOLDER.findall(route.address)))
    unknown = sorted(set(route.parameters) - set(names))
    if unknown:
        raise ValueError(
            f"{route.address}: parameters {unknown} do not appear in the address; "
            "write them as {name} in it."
        )
    return {name: Parameter(description=route.parameters.get(name)) for name in names} or None


__all__ = ["WebSocketRoute", "generate_document", "server_from_url"]
