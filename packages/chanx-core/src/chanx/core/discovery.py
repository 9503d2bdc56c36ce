"""Handler discovery: reads a consumer class once and builds its routing table.

Everything a consumer needs per frame is computed here, when the class is created:
which method handles which action, and one Pydantic ``TypeAdapter`` over the
discriminated union of the messages it accepts, so a frame is parsed and validated in
a single call. Mistakes are reported here too, naming the class, the method and the fix.

Two class-level declarations are read here as well: the consumer's event type parameter
(``AsyncJsonWebsocketConsumer[ChatEvent]``, the events it accepts) and its
``passthrough_events`` (events forwarded to the client as they are, merged across the
inheritance chain).
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import ConfigDict, Field, TypeAdapter

from chanx.core.decorators import HANDLER_ATTR, HandlerKind, HandlerOptions
from chanx.messages.base import BaseMessage


class HandlerDefinitionError(TypeError):
    """A consumer or message class is defined in a way chanx cannot route."""


@dataclass(frozen=True)
class HandlerInfo:
    """One discovered handler: what it accepts, what it may answer, how it is documented."""

    name: str
    kind: HandlerKind
    func: Callable[..., Any]
    actions: tuple[str, ...]
    input_type: type[BaseMessage]
    output_types: tuple[type[BaseMessage], ...]
    summary: str | None
    description: str | None
    tags: tuple[str, ...]
    reply_types: tuple[type[BaseMessage], ...] = ()
    """The output types the handler returns, hence sends back to its own client.

    Those of ``output_types`` that the return annotation names (or subclasses of them);
    the others are only broadcast, which may or may not reach the sender
    (``exclude_current``), so they are not the sender's reply.
    """


@dataclass(frozen=True)
class ConsumerSpec:
    """The routing table of one consumer class, built by :func:`discover_handlers`."""

    consumer: type
    ws_handlers: dict[str, HandlerInfo]
    event_handlers: dict[str, HandlerInfo]
    incoming_adapter: TypeAdapter[BaseMessage] | None
    event_adapter: TypeAdapter[BaseMessage] | None
    declared_events: tuple[type[BaseMessage], ...] = ()
    cache: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def handlers(self) -> list[HandlerInfo]:
        """Every handler once, websocket handlers first, in definition order."""
        seen: dict[str, HandlerInfo] = {}
        for info in (*self.ws_handlers.values(), *self.event_handlers.values()):
            seen.setdefault(info.name, info)
        return list(seen.values())

    @property
    def incoming_types(self) -> list[type[BaseMessage]]:
        """The client messages this consumer accepts."""
        return _unique(info.input_type for info in self.ws_handlers.values())

    @property
    def event_types(self) -> list[type[BaseMessage]]:
        """The server-side events this consumer handles (``passthrough_events`` included)."""
        return _unique(info.input_type for info in self.event_handlers.values())

    @property
    def accepted_events(self) -> list[type[BaseMessage]]:
        """The events of the consumer's type parameter, then any other event it handles."""
        return _unique([*self.declared_events, *self.event_types])


def _unique(items: typing.Iterable[type[BaseMessage]]) -> list[type[BaseMessage]]:
    return list(dict.fromkeys(items))


def message_actions(message_type: type[BaseMessage], *, used_by: str = "") -> tuple[str, ...]:
    """The action values of a message class, read from its ``Literal`` ``action`` field."""
    if not (isinstance(message_type, type) and issubclass(message_type, BaseMessage)):
        raise HandlerDefinitionError(
            f"{used_by}{message_type!r} is not a BaseMessage subclass: "
            "handlers accept and return chanx.messages.base.BaseMessage subclasses."
        )
    annotation = message_type.model_fields["action"].annotation
    values = get_args(annotation) if get_origin(annotation) is Literal else ()
    if not values or not all(isinstance(v, str) for v in values):
        raise HandlerDefinitionError(
            f"{used_by}{message_type.__qualname__}.action must be a Literal of strings so frames "
            f"can be routed by it, e.g. `action: Literal['chat'] = 'chat'` (got {annotation!r})."
        )
    return typing.cast(tuple[str, ...], values)


def _handler_options(value: Any) -> HandlerOptions | None:
    """The options a decorator recorded on a class attribute, if it is a handler.

    Looks through ``classmethod``/``staticmethod`` too, which ``type`` applies by itself
    to ``__new__``, ``__init_subclass__`` and ``__class_getitem__``.
    """
    for candidate in (value, getattr(value, "__func__", None)):
        options = getattr(candidate, HANDLER_ATTR, None)
        if isinstance(options, HandlerOptions):
            return options
    return None


def _refuse_replaced_attribute(cls: type, name: str) -> None:
    """Refuse a handler that takes the place of a non-handler attribute of a base class.

    The consumer calls its own methods by name (``chanx_handle_frame``, ``chanx_handle_broadcast``,
    Channels' ``dispatch``, ``send``...), so a handler named like one of them breaks the
    consumer at run time. A definition further along the MRO counts unless it is a handler
    itself or a plain override of one (a subclass of a class that declared the handler).
    """
    definers = [(klass, vars(klass)[name]) for klass in cls.__mro__ if name in vars(klass)]
    handler_classes = [k for k, value in definers if _handler_options(value) is not None]
    for position, (_, value) in enumerate(definers):
        options = _handler_options(value)
        if options is None:
            continue
        for owner, replaced in definers[position + 1 :]:
            if any(issubclass(owner, handler_class) for handler_class in handler_classes):
                continue
            what = "method" if callable(replaced) or hasattr(replaced, "__get__") else "attribute"
            decorator = "@ws_handler" if options.kind == "ws" else "@event_handler"
            raise HandlerDefinitionError(
                f"{cls.__qualname__}.{name}: this {decorator} would replace "
                f"{owner.__module__}.{owner.__qualname__}.{name}, a {what} the consumer "
                "itself relies on: its own calls to it would reach the handler instead. "
                "Rename the handler: the action it handles comes from its message type "
                "(the `action` Literal of the message class, or action=), not from the "
                "method name, so a new name changes nothing for clients."
            )


def _iter_decorated(cls: type) -> Iterator[tuple[str, Callable[..., Any], HandlerOptions]]:
    """Yield (name, resolved function, options) for every handler name in the MRO.

    A subclass that overrides a handler by name without repeating the decorator keeps
    the parent's options: overriding a method should not silently unroute it. A handler
    that would replace one of the consumer's own methods is refused.
    """
    names: dict[str, HandlerOptions] = {}
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            options = _handler_options(value)
            if options is not None:
                names[name] = options
    for name, inherited in names.items():
        _refuse_replaced_attribute(cls, name)
        func = getattr(cls, name)
        yield name, func, _handler_options(func) or inherited


def _message_types_in(annotation: Any) -> tuple[list[type[BaseMessage]], bool]:
    """Split an annotation into its BaseMessage classes; report whether it held anything else."""
    if annotation is None or annotation is type(None):
        return [], False
    if get_origin(annotation) in (Union, types.UnionType):
        found: list[type[BaseMessage]] = []
        other = False
        for arg in get_args(annotation):
            sub, sub_other = _message_types_in(arg)
            found += sub
            other = other or sub_other
        return found, other
    if isinstance(annotation, type) and issubclass(annotation, BaseMessage):
        return [annotation], False
    return [], True


def _handler_info(cls: type, name: str, func: Any, options: HandlerOptions) -> HandlerInfo:
    where = f"{cls.__qualname__}.{name}"
    decorator = "@ws_handler" if options.kind == "ws" else "@event_handler"
    if not inspect.iscoroutinefunction(func):
        raise HandlerDefinitionError(
            f"{where} must be `async def`: {decorator} methods run on the event loop. "
            "Wrap blocking or ORM work in channels.db.database_sync_to_async."
        )
    try:
        hints = typing.get_type_hints(func)
    except Exception as exc:
        raise HandlerDefinitionError(
            f"{where}: its type hints cannot be resolved ({exc}). Define the message classes "
            "at module level, where the annotations can see them."
        ) from exc
    params = [p for p in inspect.signature(func).parameters.values() if p.name != "self"]
    if len(params) != 1:
        raise HandlerDefinitionError(
            f"{where} must take exactly one parameter besides self, the message: "
            f"`async def {name}(self, message: MyMessage) -> ...`."
        )
    input_type = options.input_type or hints.get(params[0].name)
    if input_type is None:
        raise HandlerDefinitionError(
            f"{where}: annotate its message parameter with the message class it handles "
            f"(`{params[0].name}: MyMessage`) or pass {decorator}(input_type=MyMessage)."
        )
    actions = message_actions(input_type, used_by=f"{where}: ")
    if options.action is not None:
        if options.action not in actions:
            raise HandlerDefinitionError(
                f"{where}: action={options.action!r} is not an action of "
                f"{input_type.__qualname__} ({', '.join(map(repr, actions))}); "
                "drop action= or make them agree."
            )
        actions = (options.action,)
    returned, other = _message_types_in(hints.get("return"))
    if options.output_type is not None:
        outputs = list(options.output_type)
    else:
        outputs = returned
        if other:
            raise HandlerDefinitionError(
                f"{where}: the return annotation {hints.get('return')!r} is not a message "
                "class, a union of them, or None; fix it or pass output_type=."
            )
    for output in outputs:
        message_actions(output, used_by=f"{where} output: ")
    doc = inspect.getdoc(func) or ""
    first, _, rest = doc.partition("\n")
    # An explicit summary replaces the docstring's first line, not the docstring: then the
    # whole docstring is the description.
    described = doc if options.summary is not None else rest
    return HandlerInfo(
        name=name,
        kind=options.kind,
        func=func,
        actions=actions,
        input_type=input_type,
        output_types=tuple(_unique(outputs)),
        summary=options.summary if options.summary is not None else (first.strip() or None),
        description=(
            options.description if options.description is not None else (described.strip() or None)
        ),
        tags=options.tags,
        reply_types=tuple(
            output for output in _unique(outputs) if issubclass(output, tuple(returned))
        ),
    )


EVENT_PARAMETER_ATTR = "__chanx_event_parameter__"
"""Where a consumer class keeps the event type it was parametrised with (a TypeVar if none)."""


def event_parameter(cls: type) -> Any:
    """The event type ``cls`` was given, directly or through its parents.

    ``class Chat(AsyncJsonWebsocketConsumer[ChatEvent])`` gives ``ChatEvent``; a subclass
    without brackets keeps its parent's; a generic intermediate class
    (``class Base(AsyncJsonWebsocketConsumer[E])``, then ``Base[ChatEvent]``) passes the
    argument through. A consumer never parametrised gives the base class's ``TypeVar``.
    Read once, when the class is created, from ``__orig_bases__``.
    """
    for base in vars(cls).get("__orig_bases__", ()):
        origin = get_origin(base)
        if not (isinstance(origin, type) and hasattr(origin, EVENT_PARAMETER_ATTR)):
            continue
        inherited = getattr(origin, EVENT_PARAMETER_ATTR)
        parameters = getattr(origin, "__parameters__", ())
        if isinstance(inherited, typing.TypeVar) and inherited in parameters:
            return get_args(base)[parameters.index(inherited)]
        return inherited
    return getattr(cls, EVENT_PARAMETER_ATTR, None)


def _declared_events(cls: type) -> tuple[type[BaseMessage], ...]:
    """The event classes named by the type parameter; empty when there is none to read.

    ``BaseMessage`` itself (the default), a ``TypeVar``, ``Any`` or a string forward
    reference declare nothing; anything else must be message classes or a union of them.
    """
    parameter = getattr(cls, EVENT_PARAMETER_ATTR, None)
    if parameter is None or parameter is BaseMessage or parameter is Any:
        return ()
    if isinstance(parameter, (typing.TypeVar, str, typing.ForwardRef)):
        return ()
    found, other = _message_types_in(parameter)
    if other or not found:
        raise HandlerDefinitionError(
            f"{cls.__qualname__}: the event type parameter {parameter!r} is not a message "
            "class or a union of them; write e.g. "
            "`class MyConsumer(AsyncJsonWebsocketConsumer[ChatEvent | SystemEvent])`."
        )
    for event in found:
        message_actions(event, used_by=f"{cls.__qualname__} event type parameter: ")
    return tuple(_unique(found))


_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


async def _forward_event(consumer: Any, event: BaseMessage) -> BaseMessage:
    """The handler of every passthrough event: what it returns goes to the client."""
    return event


def _passthrough_events(cls: type) -> list[type[BaseMessage]]:
    """``passthrough_events`` of every class in the MRO, most derived first, each once.

    Reading ``cls.passthrough_events`` would give only the nearest definition: a mixin's
    list would hide its siblings' and the consumer's own would hide every mixin's.
    """
    merged: list[type[BaseMessage]] = []
    for klass in cls.__mro__:
        declared = vars(klass).get("passthrough_events") or ()
        if isinstance(declared, (str, bytes)) or not isinstance(declared, Iterable):
            raise HandlerDefinitionError(
                f"{klass.__qualname__}.passthrough_events must be a list of event message "
                f"classes, e.g. `passthrough_events = [UserJoinedEvent]` (got {declared!r})."
            )
        merged += declared
    return _unique(merged)


def _passthrough_handlers(cls: type, explicit: dict[str, HandlerInfo]) -> list[HandlerInfo]:
    """A forwarding handler per passthrough event no ``@event_handler`` already handles."""
    found = []
    for event in _passthrough_events(cls):
        actions = message_actions(event, used_by=f"{cls.__qualname__}.passthrough_events: ")
        handled = [action for action in actions if action in explicit]
        if len(handled) == len(actions):
            continue  # an explicit @event_handler takes precedence
        if handled:
            raise HandlerDefinitionError(
                f"{cls.__qualname__}.passthrough_events: {event.__qualname__} has actions "
                f"{list(actions)}, of which {handled} already have an @event_handler; handle "
                "all of its actions or none of them."
            )
        label = " | ".join(actions)
        found.append(
            HandlerInfo(
                name="handle_passthrough_" + _WORD_BOUNDARY.sub("_", event.__name__).lower(),
                kind="event",
                func=_forward_event,
                actions=actions,
                input_type=event,
                output_types=(event,),
                summary=f"Forward the {label} event to the client as it is",
                description=None,
                tags=(),
            )
        )
    return found


MESSAGE_PARSING = ConfigDict(cache_strings="keys")
"""How a union of messages parses JSON: as :class:`BaseMessage` does, caching keys only."""


def _union_adapter(message_types: list[type[BaseMessage]]) -> TypeAdapter[BaseMessage] | None:
    if not message_types:
        return None
    # The union is only known at run time, so it cannot be spelled as a static type. One
    # class is a discriminated union too (of one member): a consumer with one handler then
    # answers a missing or unknown action as one with several does (`union_tag_not_found`,
    # `union_tag_invalid`, error locations led by the action), at the cost of one tag
    # lookup per frame that multi-handler consumers already pay.
    union: Any = Union[tuple(message_types)]  # noqa: UP007
    # Pydantic refuses a config for a lone model, which keeps its own (the same settings).
    config = MESSAGE_PARSING if len(message_types) > 1 else None
    adapter: TypeAdapter[BaseMessage] = TypeAdapter(
        Annotated[union, Field(discriminator="action")], config=config
    )
    return adapter


def _add_handler(
    cls: type, tables: dict[HandlerKind, dict[str, HandlerInfo]], info: HandlerInfo
) -> None:
    table = tables[info.kind]
    for action in info.actions:
        other = table.get(action)
        if other is None:
            table[action] = info
            continue
        if info.func is _forward_event:
            # Explicit handlers were skipped already: the other one is a passthrough too.
            raise HandlerDefinitionError(
                f"{cls.__qualname__}.passthrough_events: {other.input_type.__qualname__} and "
                f"{info.input_type.__qualname__} both have action {action!r}; list only one."
            )
        raise HandlerDefinitionError(
            f"{cls.__qualname__}.{other.name} and {cls.__qualname__}.{info.name} both handle "
            f"action {action!r}: keep one, or override the inherited handler by giving the "
            "new method the same name."
        )


def discover_handlers(cls: type) -> ConsumerSpec:
    """Build the routing table of ``cls``; raise :class:`HandlerDefinitionError` on mistakes."""
    tables: dict[HandlerKind, dict[str, HandlerInfo]] = {"ws": {}, "event": {}}
    for name, func, options in _iter_decorated(cls):
        _add_handler(cls, tables, _handler_info(cls, name, func, options))
    ws, event = tables["ws"], tables["event"]
    for info in _passthrough_handlers(cls, event):
        _add_handler(cls, tables, info)
    return ConsumerSpec(
        consumer=cls,
        ws_handlers=ws,
        event_handlers=event,
        incoming_adapter=_union_adapter(_unique(i.input_type for i in ws.values())),
        event_adapter=_union_adapter(_unique(i.input_type for i in event.values())),
        declared_events=_declared_events(cls),
    )


__all__ = [
    "EVENT_PARAMETER_ATTR",
    "ConsumerSpec",
    "HandlerDefinitionError",
    "HandlerInfo",
    "discover_handlers",
    "event_parameter",
    "message_actions",
]
