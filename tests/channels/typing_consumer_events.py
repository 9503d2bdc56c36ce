"""What a type checker makes of a consumer's event type parameter; checked by mypy.

This module is in the ``files`` mypy checks (``[tool.mypy]`` in pyproject.toml), so the
lint run is its test; pytest never collects it. Every call that passes an event the
consumer does not declare carries ``# type: ignore[arg-type]``: if mypy stopped flagging
one, the ignore would silence nothing, which ``--strict`` (``warn_unused_ignores``) reports
as an error.
"""

from __future__ import annotations

from typing import Any, Literal

from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.consumer import ChanxWebsocketConsumerMixin
from chanx.core.decorators import event_handler
from chanx.core.topics import Topic
from chanx.messages.base import BaseMessage


class ChatEvent(BaseMessage):
    action: Literal["chat_event"] = "chat_event"
    payload: None = None


class SystemEvent(BaseMessage):
    action: Literal["system_event"] = "system_event"
    payload: None = None


class OtherEvent(BaseMessage):
    action: Literal["other_event"] = "other_event"
    payload: None = None


class ChatConsumer(AsyncJsonWebsocketConsumer[ChatEvent | SystemEvent]):
    groups = ["lobby"]

    @event_handler
    async def on_chat(self, event: ChatEvent) -> None: ...

    @event_handler
    async def on_system(self, event: SystemEvent) -> None: ...


class RoomConsumer(ChatConsumer):
    """A subclass keeps its parent's events."""


class PlainConsumer(AsyncJsonWebsocketConsumer):
    """Without a parameter, any message is an event as far as the type checker knows."""


async def send_from_async_code() -> None:
    await ChatConsumer.send_event(ChatEvent(), "channel-name")
    await ChatConsumer.broadcast_event(SystemEvent())
    await ChatConsumer.broadcast_event(ChatEvent(), ["room"])
    await RoomConsumer.broadcast_event(SystemEvent(), "room")
    await PlainConsumer.broadcast_event(OtherEvent(), "room")

    await ChatConsumer.send_event(OtherEvent(), "channel-name")  # type: ignore[arg-type]
    await ChatConsumer.broadcast_event(OtherEvent())  # type: ignore[arg-type]
    await RoomConsumer.broadcast_event(OtherEvent(), "room")  # type: ignore[arg-type]


def send_from_sync_code() -> None:
    ChatConsumer.send_event_sync(ChatEvent(), "channel-name")
    ChatConsumer.broadcast_event_sync(SystemEvent())
    PlainConsumer.broadcast_event_sync(OtherEvent(), ["room"])

    ChatConsumer.send_event_sync(OtherEvent(), "channel-name")  # type: ignore[arg-type]
    ChatConsumer.broadcast_event_sync(OtherEvent(), "room")  # type: ignore[arg-type]


def takes_any_consumer(consumer: type[ChanxWebsocketConsumerMixin[Any]]) -> None:
    """The signature upstream documents for functions that take a consumer class."""


takes_any_consumer(ChatConsumer)
takes_any_consumer(PlainConsumer)


class TypedAuthorizeTopic(Topic):
    """Topics spell out their pattern's parameters in ``authorize``: this must type-check."""

    pattern = "typed:{pk}"

    async def authorize(self, pk: int) -> bool:
        return pk > 0


class SyncAuthorizeTopic(Topic):
    pattern = "sync:{slug}"

    def authorize(self, slug: str) -> bool:
        return slug != "secret"
