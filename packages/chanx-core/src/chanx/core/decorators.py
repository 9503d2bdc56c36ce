"""Decorators that mark consumer methods as handlers and describe consumer classes.

They only record what was asked; the consumer class reads these records once, when it
is created (see :mod:`chanx.core.discovery`), so decorating costs nothing per message.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, overload

from chanx.messages.base import BaseMessage

HANDLER_ATTR = "__chanx_handler__"
CHANNEL_ATTR = "__chanx_channel__"

HandlerKind = Literal["ws", "event"]
F = TypeVar("F", bound=Callable[..., Any])
C = TypeVar("C", bound=type)


@dataclass(frozen=True)
class HandlerOptions:
    """What a ``@ws_handler`` / ``@event_handler`` decoration asked for."""

    kind: HandlerKind
    action: str | None = None
    input_type: type[BaseMessage] | None = None
    output_type: tuple[type[BaseMessage], ...] | None = None
    summary: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChannelInfo:
    """How ``@channel`` describes a consumer in the generated AsyncAPI document."""

    name: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()


OutputTypes = type[BaseMessage] | Sequence[type[BaseMessage]] | types.UnionType | None
"""What ``output_type=`` takes: one class, a list or tuple of them, or a union ``A | B``.

``typing.Union[A, B]`` works as well at run time (type checkers type it differently).
"""


def _as_tuple(output_type: OutputTypes) -> tuple[type[BaseMessage], ...] | None:
    """The declared output classes as a tuple; discovery checks each when the class is made."""
    if output_type is None:
        return None
    if isinstance(output_type, type):
        return (output_type,)
    if isinstance(output_type, types.UnionType) or get_origin(output_type) is Union:
        # `A | None` declares A: None only says the handler may send nothing.
        return tuple(arg for arg in get_args(output_type) if arg is not type(None))
    return tuple(output_type)


def _decorate(
    kind: HandlerKind,
    func: F | None,
    *,
    action: str | None,
    input_type: type[BaseMessage] | None,
    output_type: OutputTypes,
    summary: str | None,
    description: str | None,
    tags: Sequence[str] | None,
) -> F | Callable[[F], F]:
    options = HandlerOptions(
        kind=kind,
        action=action,
        input_type=input_type,
        output_type=_as_tuple(output_type),
        summary=summary,
        description=description,
        tags=tuple(tags or ()),
    )

    def mark(f: F) -> F:
        setattr(f, HANDLER_ATTR, options)
        return f

    return mark if func is None else mark(func)


@overload
def ws_handler(func: F, /) -> F: ...
@overload
def ws_handler(
    *,
    action: str | None = None,
    input_type: type[BaseMessage] | None = None,
    output_type: OutputTypes = None,
    summary: str | None = None,
    description: str | None = None,
    tags: Sequence[str] | None = None,
) -> Callable[[F], F]: ...
def ws_handler(
    func: F | None = None,
    /,
    *,
    action: str | None = None,
    input_type: type[BaseMessage] | None = None,
    output_type: OutputTypes = None,
    summary: str | None = None,
    description: str | None = None,
    tags: Sequence[str] | None = None,
) -> F | Callable[[F], F]:
    """Mark an ``async`` consumer method as the handler of a client message.

    The message type comes from the annotation of the method's one parameter (or
    ``input_type=``); its ``Literal`` action routes frames here. What the method returns
    is sent back to the sender; the reply type comes from the return annotation (or
    ``output_type=``: one class, a list of them or a union ``A | B``) and is documented in
    the AsyncAPI schema::

        @ws_handler(summary="Answer a ping")
        async def handle_ping(self, message: PingMessage) -> PongMessage:
            return PongMessage()

    ``action=`` names the action explicitly; it must be one of the input type's actions.
    ``summary`` defaults to the first line of the docstring, ``description`` to the rest.
    """
    return _decorate(
        "ws",
        func,
        action=action,
        input_type=input_type,
        output_type=output_type,
        summary=summary,
        description=description,
        tags=tags,
    )


@overload
def event_handler(func: F, /) -> F: ...
@overload
def event_handler(
    *,
    action: str | None = None,
    input_type: type[BaseMessage] | None = None,
    output_type: OutputTypes = None,
    summary: str | None = None,
    description: str | None = None,
    tags: Sequence[str] | None = None,
) -> Callable[[F], F]: ...
def event_handler(
    func: F | None = None,
    /,
    *,
    action: str | None = None,
    input_type: type[BaseMessage] | None = None,
    output_type: OutputTypes = None,
    summary: str | None = None,
    description: str | None = None,
    tags: Sequence[str] | None = None,
) -> F | Callable[[F], F]:
    """Mark an ``async`` consumer method as the handler of a server-side event.

    Events are messages that server code sends to a connection or a group through the
    channel layer (``send_event`` / ``broadcast_event`` and their ``_sync`` variants);
    they never come from the client. What the handler returns goes to its client.
    Options mean the same as for :func:`ws_handler`.
    """
    return _decorate(
        "event",
        func,
        action=action,
        input_type=input_type,
        output_type=output_type,
        summary=summary,
        description=description,
        tags=tags,
    )


def channel(
    *, name: str | None = None, description: str | None = None, tags: Sequence[str] | None = None
) -> Callable[[C], C]:
    """Describe a consumer class in the AsyncAPI document.

    ``name`` defaults to the class name and ``description`` to its docstring::

        @channel(name="chat", description="Chat in a room", tags=["chat"])
        class ChatConsumer(AsyncJsonWebsocketConsumer): ...
    """
    info = ChannelInfo(name=name, description=description, tags=tuple(tags or ()))

    def mark(cls: C) -> C:
        setattr(cls, CHANNEL_ATTR, info)
        return cls

    return mark


__all__ = ["ChannelInfo", "HandlerOptions", "channel", "event_handler", "ws_handler"]
