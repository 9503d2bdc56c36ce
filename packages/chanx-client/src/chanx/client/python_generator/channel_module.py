"""A generated channel module: the incoming/outgoing unions and the typed client class."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from chanx.client.model import ApiDef, ChannelDef, MessageDef, ParameterDef, TopicDef, TypeRef
from chanx.client.naming import NameRegistry, snake_case
from chanx.client.python_generator.source import (
    INDENT,
    LINE_LENGTH,
    annotation,
    bracketed,
    discriminated_alias,
    docstring,
    import_order,
    string,
    union_alias,
    uses_any,
    uses_literal,
)

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
# Members of the runtime's ChanxClient a generated method must not replace.
_CLIENT_MEMBERS = (
    "address",
    "close",
    "connect",
    "incoming",
    "messages",
    "multiplexing",
    "ready",
    "request",
    "send",
    "state",
    "stream",
    "streams",
    "topic",
    "url",
    "wait_closed",
)
# Members of the runtime's MultiplexStream a generated stream method must not replace.
_STREAM_MEMBERS = (
    "available",
    "client",
    "incoming",
    "key",
    "messages",
    "prefix",
    "request",
    "send",
    "topic",
)


@dataclass
class _Module:
    """What one channel module defines and needs, collected while its code is written."""

    channel: ChannelDef
    names: NameRegistry
    models: set[str] = field(default_factory=set)
    typing: set[str] = field(default_factory=set)
    pydantic: set[str] = field(default_factory=lambda: {"TypeAdapter"})
    runtime: set[str] = field(default_factory=set)
    siblings: dict[str, set[str]] = field(default_factory=dict)


def is_stream(api: ApiDef, channel: ChannelDef) -> bool:
    """Whether ``channel`` is one stream of a demultiplexer's channel in ``api``.

    A stream whose demultiplexer is not in the document stays a client of its own (whose
    frames are not wrapped: a known limit, docs/client-generator.md).
    """
    mux = channel.multiplex
    if mux is None or mux.consumer_key is None:
        return False
    own = replace(mux, consumer_key=None)
    return any(
        other.address == channel.address and other.multiplex == own for other in api.channels
    )


def client_class_name(api: ApiDef, channel: ChannelDef) -> str:
    """The generated client class of ``channel`` (a stream class for a multiplexed stream)."""
    return f"{channel.name}Stream" if is_stream(api, channel) else f"{channel.name}Client"


def streams_of(api: ApiDef, channel: ChannelDef) -> list[ChannelDef]:
    """The streams a demultiplexer's channel serves: same address and envelope, with a key."""
    mux = channel.multiplex
    if mux is None or mux.consumer_key is not None:
        return []
    return [
        other
        for other in api.channels
        if other.address == channel.address
        and other.multiplex is not None
        and other.multiplex.consumer_key is not None
        and replace(other.multiplex, consumer_key=None) == mux
    ]


def exported_names(api: ApiDef, channel: ChannelDef) -> list[str]:
    """What a channel module offers to the package ``__init__``."""
    return [client_class_name(api, channel), f"{channel.name}Incoming", f"{channel.name}Outgoing"]


def render_channel(api: ApiDef, channel: ChannelDef, header: list[str]) -> str:
    """The source of ``<channel.identifier>.py``."""
    module = _Module(channel, NameRegistry(f"name in {channel.identifier}.py"))
    body: list[str] = []
    body.extend(_alias(module, api, f"{channel.name}Incoming", channel.receives, "action"))
    body.extend(
        docstring(f"Any message the server sends on ``{channel.id}``.", "")
        if channel.receives
        else []
    )
    body.extend(_alias(module, api, f"{channel.name}Outgoing", channel.sends, None))
    body.extend(
        docstring(f"Any message the client sends on ``{channel.id}``.", "") if channel.sends else []
    )
    for topic in channel.topics:
        body.append("")
        body.extend(_alias(module, api, _topic_alias(topic), topic.receives, "action"))
        body.extend(docstring(f"Any message the server pushes on ``{topic.pattern}`` topics.", ""))
        if topic.receives:
            adapter = _topic_adapter(topic)
            module.names.claim(adapter, f"the adapter of topic '{topic.name}'")
            body.append(f"{adapter} = TypeAdapter({_topic_alias(topic)})")
    body.extend(["", "", *_client_class(module, api)])
    imports = _imports(module)
    intro = f"Client of the ``{channel.id}`` channel (``{channel.address}``)."
    lines = [*header, *docstring(intro, ""), "", *imports, "", *body]
    return "\n".join(lines) + "\n"


def _alias(
    module: _Module, api: ApiDef, name: str, messages: tuple[str, ...], discriminator: str | None
) -> list[str]:
    module.names.claim(name, f"the union {name}")
    if not messages:
        module.typing.add("Any")
        return [f"{name} = Any"]
    for message in messages:
        _use_model(module, message)
    if len(messages) == 1:
        return [f"{name} = {messages[0]}"]
    actions = [api.message(message).action for message in messages]
    if discriminator and len(set(actions)) == len(actions):
        module.typing.add("Annotated")
        module.pydantic.add("Field")
        return discriminated_alias(name, messages, discriminator)
    return union_alias(name, messages)


def _use_model(module: _Module, name: str) -> None:
    if name not in module.models:
        module.names.claim(name, f"the message or model {name} of models.py")
        module.models.add(name)


def _client_class(module: _Module, api: ApiDef) -> list[str]:
    channel = module.channel
    class_name = client_class_name(api, channel)
    stream = is_stream(api, channel)
    module.names.claim(class_name, f"the client class of channel '{channel.id}'")
    module.typing.add("ClassVar")
    methods = NameRegistry(f"method of {class_name}")
    base = "MultiplexStream" if stream else "ChanxClient"
    module.runtime.add(base)
    for member in _STREAM_MEMBERS if stream else _CLIENT_MEMBERS:
        methods.claim(member, f"the runtime's {base}")
    incoming, outgoing = f"{channel.name}Incoming", f"{channel.name}Outgoing"
    text = channel.description or f"Client of the ``{channel.id}`` channel."
    if stream:
        assert channel.multiplex is not None and channel.multiplex.consumer_key is not None
        key = channel.multiplex.consumer_key
        text += f"\n\nThe ``{key}`` stream of the multiplexed route ``{channel.address}``."
        first = f"{INDENT}key: ClassVar[str] = {string(key)}"
    else:
        text += f"\n\nConnects to ``{channel.address}``."
        first = f"{INDENT}address: ClassVar[str] = {string(channel.address)}"
    lines = [
        *_class_header(class_name, base, [incoming, outgoing]),
        *docstring(text, INDENT),
        "",
        first,
        *_adapter_attribute(incoming),
    ]
    streams = streams_of(api, channel)
    if channel.multiplex is not None and channel.multiplex.consumer_key is None:
        lines.extend(_multiplexing(module, api, channel, streams))
    if channel.parameters and not stream:
        lines.extend(["", *_constructor(module, channel.parameters)])
    for sub in streams:
        assert sub.multiplex is not None and sub.multiplex.consumer_key is not None
        method = snake_case(sub.multiplex.consumer_key)
        methods.claim(method, f"stream '{sub.multiplex.consumer_key}'")
        lines.extend(["", *_stream_property(client_class_name(api, sub), sub, method)])
    replies = dict(channel.replies)
    for name in channel.sends:
        message = api.message(name)
        verb = _verb(message)
        methods.claim(f"send_{verb}", f"message {name}")
        lines.extend(["", *_send_method(module, message, verb)])
        if name in replies:
            methods.claim(f"request_{verb}", f"message {name}")
            lines.extend(["", *_request_method(module, message, verb, replies[name])])
    for topic in channel.topics:
        method = topic.identifier
        if not method.endswith("topic"):
            method += "_topic"
        methods.claim(method, f"topic '{topic.name}'")
        lines.extend(["", *_topic_method(module, topic, method)])
    return lines


def _multiplexing(
    module: _Module, api: ApiDef, channel: ChannelDef, streams: list[ChannelDef]
) -> list[str]:
    mux = channel.multiplex
    assert mux is not None
    module.runtime.update({"Multiplexing", "MultiplexStream"})
    module.typing.add("Any")
    for sub in streams:
        module.siblings.setdefault(sub.identifier, set()).add(client_class_name(api, sub))
    fields = [
        f"consumer_field={string(mux.consumer_field)}",
        f"message_field={string(mux.message_field)}",
        f"version_field={string(mux.version_field)}",
        f"version={mux.version}",
    ]
    names = [client_class_name(api, sub) for sub in streams]
    return [
        *bracketed(
            "multiplexing: ClassVar[Multiplexing | None] = Multiplexing(",
            fields,
            "",
            INDENT,
            close=")",
        ),
        # Always one name a line: a one-name tuple needs its trailing comma anyway.
        f"{INDENT}streams: ClassVar[tuple[type[MultiplexStream[Any, Any]], ...]] = (",
        *(f"{INDENT * 2}{name}," for name in names),
        f"{INDENT})",
    ]


def _stream_property(name: str, sub: ChannelDef, method: str) -> list[str]:
    assert sub.multiplex is not None
    text = f"The ``{sub.multiplex.consumer_key}`` stream on this connection."
    return [
        f"{INDENT}@property",
        f"{INDENT}def {method}(self) -> {name}:",
        *docstring(text, INDENT * 2),
        f"{INDENT * 2}return self.stream({name})",
    ]


def _constructor(module: _Module, parameters: tuple[ParameterDef, ...]) -> list[str]:
    module.typing.add("Unpack")
    module.runtime.add("ClientOptions")
    arguments = [
        "self",
        "base_url: str",
        "*",
        *(f"{p.identifier}: {_parameter_annotation(module, p)}" for p in parameters),
        "**options: Unpack[ClientOptions]",
    ]
    described = [f"``{p.identifier}``: {p.description}" for p in parameters if p.description]
    text = "Open a client for ``base_url`` (``ws://host:port``); nothing connects yet."
    if described:
        text += "\n\n" + "\n".join(described)
    path_params = ", ".join(f"{string(p.name)}: {p.identifier}" for p in parameters)
    return [
        *bracketed("def __init__(", arguments, " -> None:", INDENT, close=")"),
        *docstring(text, INDENT * 2),
        *bracketed(
            "super().__init__(",
            ["base_url", f"path_params={{{path_params}}}", "**options"],
            "",
            INDENT * 2,
            close=")",
        ),
    ]


def _parameter_annotation(module: _Module, parameter: ParameterDef) -> str:
    if uses_literal(parameter.type):
        module.typing.add("Literal")
    if uses_any(parameter.type):
        module.typing.add("Any")
    return annotation(parameter.type)


def _verb(message: MessageDef) -> str:
    verb = snake_case(message.action)
    return verb[len("send_") :] if verb.startswith("send_") and len(verb) > 5 else verb


def _payload_argument(module: _Module, message: MessageDef) -> tuple[list[str], str]:
    """The method's payload parameter (if any) and the constructor call of the message."""
    _use_model(module, message.name)
    payload = message.payload
    _collect_models(module, payload)
    if uses_literal(payload):
        module.typing.add("Literal")
    if payload.kind == "null":
        return [], f"{message.name}()"
    if payload.kind == "any" or payload.nullable:
        return [f"payload: {annotation(payload, optional=True)} = None"], (
            f"{message.name}(payload=payload)"
        )
    return [f"payload: {annotation(payload)}"], f"{message.name}(payload=payload)"


def _collect_models(module: _Module, type_ref: TypeRef) -> None:
    if type_ref.model:
        _use_model(module, type_ref.model)
    if type_ref.item:
        _collect_models(module, type_ref.item)
    for option in type_ref.options:
        _collect_models(module, option)
    if type_ref.kind == "any":
        module.typing.add("Any")


def _message_doc(message: MessageDef) -> str:
    return message.summary or message.description or f"Send a ``{message.action}`` message."


def _send_method(module: _Module, message: MessageDef, verb: str) -> list[str]:
    parameters, construct = _payload_argument(module, message)
    return [
        *bracketed(
            f"async def send_{verb}(", ["self", *parameters], " -> None:", INDENT, close=")"
        ),
        *docstring(_message_doc(message), INDENT * 2),
        f"{INDENT * 2}await self.send({construct})",
    ]


def _request_method(
    module: _Module, message: MessageDef, verb: str, replies: tuple[str, ...]
) -> list[str]:
    parameters, construct = _payload_argument(module, message)
    arguments = [construct, "timeout=timeout"]
    if len(replies) == 1:
        _use_model(module, replies[0])
        returns = replies[0]
        arguments.append(f"expect={replies[0]}")
    else:
        returns = f"{module.channel.name}Incoming"
    text = (
        f"{_message_doc(message)}\n\nWaits for the server's answer ({', '.join(replies)}) and "
        "returns it; raises ``ServerError`` when the server answers with an error and "
        "``TimeoutError`` after ``timeout`` seconds."
    )
    return [
        *bracketed(
            f"async def request_{verb}(",
            ["self", *parameters, "*", "timeout: float | None = None"],
            f" -> {returns}:",
            INDENT,
            close=")",
        ),
        *docstring(text, INDENT * 2),
        *bracketed("return await self.request(", arguments, "", INDENT * 2, close=")"),
    ]


def _topic_alias(topic: TopicDef) -> str:
    return f"{topic.name}Incoming"


def _topic_adapter(topic: TopicDef) -> str:
    return f"_{snake_case(topic.name).upper()}_INCOMING"


def _topic_method(module: _Module, topic: TopicDef, method: str) -> list[str]:
    module.runtime.add("TopicHandle")
    arguments = ["self"]
    if topic.parameters:
        arguments.append("*")
        arguments.extend(
            f"{p.identifier}: {_parameter_annotation(module, p)}" for p in topic.parameters
        )
    identifiers = {p.name: p.identifier for p in topic.parameters}
    name = _topic_name_expression(topic.pattern, identifiers)
    adapter = _topic_adapter(topic) if topic.receives else "None"
    handled = ", ".join(topic.sends) or "nothing"
    text = (
        f"{topic.description or f'The ``{topic.pattern}`` topic.'}\n\n"
        f"Subscribe to the returned handle to receive {_topic_alias(topic)} pushes; "
        f"it sends {handled}."
    )
    return [
        *bracketed(
            f"def {method}(",
            arguments,
            f" -> TopicHandle[{_topic_alias(topic)}]:",
            INDENT,
            close=")",
        ),
        *docstring(text, INDENT * 2),
        *bracketed("return self.topic(", [name, adapter], "", INDENT * 2, close=")"),
    ]


def _topic_name_expression(pattern: str, identifiers: dict[str, str]) -> str:
    """An f-string filling ``pattern``'s placeholders from the method's arguments."""
    pieces = []
    position = 0
    for match in _PLACEHOLDER.finditer(pattern):
        literal = pattern[position : match.start()]
        pieces.append(string(literal, quote='"')[1:-1].replace("{", "{{").replace("}", "}}"))
        pieces.append(f"{{{identifiers[match.group(1)]}}}")
        position = match.end()
    if position == 0:
        return string(pattern)
    tail = pattern[position:]
    pieces.append(string(tail, quote='"')[1:-1].replace("{", "{{").replace("}", "}}"))
    return 'f"' + "".join(pieces) + '"'


def _imports(module: _Module) -> list[str]:
    typing_names = sorted(module.typing - {"Unpack"})
    lines = ["from __future__ import annotations", ""]
    if typing_names:
        lines.extend([f"from typing import {', '.join(typing_names)}", ""])
    lines.extend(_from_import("chanx.client", import_order(module.runtime)))
    lines.append(f"from pydantic import {', '.join(sorted(module.pydantic))}")
    if "Unpack" in module.typing:
        lines.append("from typing_extensions import Unpack")
    lines.append("")
    relative = {"models": set(module.models), **module.siblings}
    for name in sorted(relative):
        lines.extend(_from_import(f".{name}", import_order(relative[name])))
    return lines


def _from_import(module: str, names: list[str]) -> list[str]:
    one_line = f"from {module} import {', '.join(names)}"
    if len(one_line) <= LINE_LENGTH:
        return [one_line]
    return bracketed(f"from {module} import (", names, "", "", close=")")


def _class_header(name: str, base: str, arguments: list[str]) -> list[str]:
    """``class name(base[arguments]):`` split the way ruff format splits a long one."""
    generic = f"{base}[{', '.join(arguments)}]"
    one_line = f"class {name}({generic}):"
    if len(one_line) <= LINE_LENGTH:
        return [one_line]
    if len(INDENT + generic) <= LINE_LENGTH:
        return [f"class {name}(", INDENT + generic, "):"]
    return [
        f"class {name}(",
        *bracketed(f"{base}[", arguments, "", INDENT, close="]"),
        "):",
    ]


def _adapter_attribute(alias: str) -> list[str]:
    """``incoming: ClassVar[TypeAdapter[alias]] = TypeAdapter(alias)``, as ruff formats it."""
    head = f"{INDENT}incoming: ClassVar[TypeAdapter[{alias}]] = "
    value = f"TypeAdapter({alias})"
    if len(head + value) <= LINE_LENGTH:
        return [head + value]
    if len(head + "TypeAdapter(") <= LINE_LENGTH:
        return [head + "TypeAdapter(", f"{INDENT * 2}{alias},", f"{INDENT})"]
    return [head + "(", f"{INDENT * 2}{value}", f"{INDENT})"]
