"""Topics: many subscribable streams on one WebSocket connection.

A :class:`Topic` is a pattern (``"room:{pk}"``), an ``authorize`` hook and handlers
written exactly as on a consumer. A consumer mounts topic classes (``topics = [...]``);
a client subscribes to a topic *instance* (``"room:5"``), and from then on the frames it
sends with ``"topic": "room:5"`` reach that instance's handlers and the pushes published
to it reach the client. Every instance has its own channel-layer group.

This module is framework-neutral: it knows patterns, parameters and handlers. Joining
groups and publishing through a channel layer is the adapter's (``chanx.channels.topics``).
"""

from __future__ import annotations

import hashlib
import inspect
import re
import typing
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import TypeAdapter, ValidationError

from chanx.core.consumer import reply_prefix
from chanx.core.discovery import ConsumerSpec, HandlerDefinitionError, discover_handlers
from chanx.core.envelope import topic_prefix
from chanx.messages.base import BaseMessage

if TYPE_CHECKING:
    from chanx.core.consumer import ChanxWebsocketConsumerMixin

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_PATTERN_TEXT = re.compile(r"^[A-Za-z0-9_.:\-/{}]+$")
_GROUP_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]")
MAX_GROUP_LENGTH = 99
"""Channel layers refuse group names of 100 characters or more."""

PARAM_VALUE = r"[^:/\s]{1,100}"
"""What one parameter may match in a topic name: no separator, no space, 100 characters."""


@dataclass(frozen=True)
class TopicPattern:
    """A topic class's compiled pattern and the validators of its parameters."""

    text: str
    regex: re.Pattern[str]
    parameters: dict[str, TypeAdapter[Any]]

    def match(self, name: str) -> dict[str, Any] | None:
        """The validated parameters of ``name``, or None if it does not match."""
        found = self.regex.fullmatch(name)
        if found is None:
            return None
        values: dict[str, Any] = {}
        try:
            for key, adapter in self.parameters.items():
                values[key] = adapter.validate_strings(found.group(key))
        except ValidationError:
            return None
        return values

    def format(self, **params: Any) -> str:
        """The topic name of ``params`` (``room:{pk}`` with pk=5 gives ``room:5``)."""
        missing = set(self.parameters) - set(params)
        if missing:
            raise TypeError(f"topic {self.text!r} needs the parameters {sorted(missing)}")
        return _PLACEHOLDER.sub(lambda m: str(params[m.group(1)]), self.text)


def _parameter_types(cls: type[Topic], names: list[str]) -> dict[str, Any]:
    """Parameter types, read from ``authorize``'s annotations (``str`` when not annotated)."""
    authorize = cls.authorize
    try:
        hints = typing.get_type_hints(authorize, include_extras=True)
    except Exception as exc:
        raise HandlerDefinitionError(
            f"{cls.__qualname__}.authorize: its type hints cannot be resolved ({exc})."
        ) from exc
    signature = inspect.signature(authorize)
    accepts_any = any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
    for name in names:
        if name not in signature.parameters and not accepts_any:
            raise HandlerDefinitionError(
                f"{cls.__qualname__}.authorize must accept every parameter of the pattern "
                f"{cls.pattern!r}: add `{name}` (e.g. `async def authorize(self, {name}: int) "
                "-> bool`) or `**params`."
            )
    return {name: hints.get(name, str) for name in names}


def compile_pattern(cls: type[Topic]) -> TopicPattern:
    """Compile ``cls.pattern``; raise :class:`HandlerDefinitionError` naming the fix."""
    text: Any = cls.pattern
    if not isinstance(text, str) or not text or not _PATTERN_TEXT.match(text):
        raise HandlerDefinitionError(
            f"{cls.__qualname__}.pattern must be a topic pattern such as 'room:{{pk}}' "
            f"(letters, digits, '_.:-/' and {{name}} placeholders); got {text!r}."
        )
    names = _PLACEHOLDER.findall(text)
    if len(names) != len(set(names)):
        raise HandlerDefinitionError(
            f"{cls.__qualname__}.pattern {text!r} names a parameter twice."
        )
    regex_text = ""
    position = 0
    for found in _PLACEHOLDER.finditer(text):
        regex_text += re.escape(text[position : found.start()])
        regex_text += f"(?P<{found.group(1)}>{PARAM_VALUE})"
        position = found.end()
    regex_text += re.escape(text[position:])
    types = _parameter_types(cls, names)
    return TopicPattern(
        text=text,
        regex=re.compile(regex_text),
        parameters={name: TypeAdapter(kind) for name, kind in types.items()},
    )


def group_name(topic_class: type[Topic], topic: str) -> str:
    """The channel-layer group of one topic instance.

    Layers accept only ``[A-Za-z0-9_.-]`` in names of under 100 characters: other
    characters become ``_`` and a long name is cut, with a digest of the whole name
    appended, so two topics never share a group.
    """
    readable = f"topic.{topic_class.__name__}.{_GROUP_UNSAFE.sub('_', topic)}"
    if len(readable) <= MAX_GROUP_LENGTH and readable == f"topic.{topic_class.__name__}.{topic}":
        return readable
    digest = hashlib.blake2b(
        f"{topic_class.__module__}.{topic_class.__qualname__}|{topic}".encode(), digest_size=8
    ).hexdigest()
    return f"{readable[: MAX_GROUP_LENGTH - len(digest) - 1]}.{digest}"


Publisher = Callable[..., Awaitable[None]]
"""``publisher(topic_class, topic, message, *, event, seq)``: sends to a topic's group."""

_publisher: list[Publisher] = []


def set_publisher(publisher: Publisher) -> None:
    """Install how topics reach their subscribers (the framework adapter calls this)."""
    _publisher[:] = [publisher]


def _installed_publisher(topic_class: type[Topic]) -> Publisher:
    if not _publisher:
        raise RuntimeError(
            f"{topic_class.__qualname__} cannot publish: no framework adapter is loaded. "
            "Import chanx.channels.topics (Django Channels) before publishing."
        )
    return _publisher[0]


class Topic:
    """A subscribable stream: a pattern, an ``authorize`` hook and handlers.

    ::

        class RoomTopic(Topic):
            pattern = "room:{pk}"

            async def authorize(self, pk: int) -> bool:
                return await user_may_see_room(self.user, pk)

            @ws_handler
            async def handle_say(self, message: SayMessage) -> SaidMessage: ...

            @event_handler
            async def on_notice(self, event: NoticeEvent) -> NoticeMessage: ...

    The parameters of the pattern are typed by ``authorize``'s annotations and validated
    before ``authorize`` runs (a name that does not validate is an unknown topic). One
    instance exists per subscription; ``self.params`` holds its validated parameters,
    ``self.consumer`` the connection's consumer. Handlers' replies and
    :meth:`send_message` reach this client on this topic; :meth:`broadcast_message` and
    the class-level :meth:`publish` reach every subscriber of a topic instance.
    """

    pattern: ClassVar[str | None] = None
    """The topic names this class serves: fixed text and ``{name}`` parameters."""

    description: ClassVar[str | None] = None
    """What the topic is, for the AsyncAPI document (defaults to the class docstring)."""

    pushes: ClassVar[Sequence[type[BaseMessage]]] = ()
    """Messages the topic sends outside its handlers (``on_subscribe``, ``send_message``
    from elsewhere), so documents and test communicators know them."""

    __chanx_spec__: ClassVar[ConsumerSpec]
    __chanx_pattern__: ClassVar[TopicPattern]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.__chanx_spec__ = discover_handlers(cls)
        # A class without a pattern is a base for other topics (it cannot be mounted).
        if getattr(cls, "pattern", None) is not None:
            cls.__chanx_pattern__ = compile_pattern(cls)

    def __init__(
        self, consumer: ChanxWebsocketConsumerMixin[Any], name: str, params: dict[str, Any]
    ) -> None:
        self.consumer = consumer
        self.name = name
        self.params = params
        self.group = group_name(type(self), name)
        self.push_prefix = topic_prefix(name)

    @property
    def scope(self) -> dict[str, Any]:
        """The connection's ASGI scope."""
        scope: dict[str, Any] = getattr(self.consumer, "scope", {})
        return scope

    @property
    def user(self) -> Any:
        """The connection's authenticated user (``scope["user"]``), or None."""
        return self.scope.get("user")

    if TYPE_CHECKING:
        # Subclasses spell out the pattern's parameters (`async def authorize(self, pk: int)`
        # or a plain `def`): typed loosely so that such overrides type-check.
        authorize: Callable[..., Any]
    else:

        async def authorize(self, **params: Any) -> bool:
            """Whether this connection may subscribe; True by default. May be sync or async.

            Runs after the parameters were validated and before the group is joined; a
            sync ``authorize`` runs in a worker thread (database access is fine).
            Returning anything but True, or raising, refuses the subscription with the
            reason ``unauthorized``, and the client learns nothing more.
            """
            return True

    async def on_subscribe(self) -> None:
        """Called once the group is joined; what it sends is a push (no ``ref``)."""

    async def on_unsubscribe(self) -> None:
        """Called before the group is left: on ``unsubscribe`` and on disconnect."""

    async def send_message(self, message: BaseMessage) -> None:
        """Send a message to this client on this topic.

        Inside a handler of this topic it is a reply (with the frame's ``ref``);
        elsewhere a push.
        """
        prefix = reply_prefix.get()
        if not prefix.startswith(self.push_prefix):
            prefix = self.push_prefix
        await self.consumer.send_encoded(message, prefix)

    async def broadcast_message(
        self, message: BaseMessage, *, exclude_current: bool = False, seq: int | None = None
    ) -> None:
        """Send a message to every subscriber of this topic instance, this one included."""
        await _installed_publisher(type(self))(
            type(self),
            self.name,
            message,
            event=False,
            seq=seq,
            sender=self.consumer,
            exclude_current=exclude_current,
        )

    @classmethod
    def topic_name(cls, **params: Any) -> str:
        """The name of the instance with ``params``: ``RoomTopic.topic_name(pk=5)``."""
        return cls.__chanx_pattern__.format(**params)

    @classmethod
    async def publish(cls, topic: str, message: BaseMessage, *, seq: int | None = None) -> None:
        """Push ``message`` to every subscriber of ``topic``, from anywhere.

        An event with an ``@event_handler`` on this class is handled by each
        subscriber's topic instance; any other message is sent to the subscribers as it
        is (encoded once, here). ``seq`` is stamped on the frames for clients that
        detect gaps; it is the caller's to assign.
        """
        if cls.__chanx_pattern__.match(topic) is None:
            raise ValueError(f"{topic!r} is not a topic of {cls.__qualname__} ({cls.pattern!r})")
        event = message.action in cls.__chanx_spec__.event_handlers
        await _installed_publisher(cls)(cls, topic, message, event=event, seq=seq)

    broadcast = publish
    """Upstream chanx's name of :meth:`publish`."""


def topic_classes(consumer: type, declared: Sequence[Any]) -> tuple[type[Topic], ...]:
    """Check a consumer's ``topics`` list; raise naming the fix."""
    if isinstance(declared, (str, bytes)) or not isinstance(declared, Sequence):
        raise HandlerDefinitionError(
            f"{consumer.__qualname__}.topics must be a list of Topic classes, "
            f"e.g. `topics = [RoomTopic]` (got {declared!r})."
        )
    for item in declared:
        if not (isinstance(item, type) and issubclass(item, Topic)):
            raise HandlerDefinitionError(
                f"{consumer.__qualname__}.topics: {item!r} is not a Topic subclass."
            )
        if "__chanx_pattern__" not in vars(item) and item.pattern is None:
            raise HandlerDefinitionError(
                f"{consumer.__qualname__}.topics: {item.__qualname__} has no `pattern`, "
                "e.g. `pattern = 'room:{pk}'`."
            )
    return tuple(declared)


__all__ = [
    "MAX_GROUP_LENGTH",
    "Topic",
    "TopicPattern",
    "compile_pattern",
    "group_name",
    "set_publisher",
    "topic_classes",
]
