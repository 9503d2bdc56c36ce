"""Sending events to consumers from anywhere: other consumers, views, signals, tasks.

An event is a message handled by an ``@event_handler`` of the receiving consumer (or
forwarded as it is, when listed in its ``passthrough_events``); it travels through the
channel layer, so it reaches connections in every server process. The consumer's type
parameter (``AsyncJsonWebsocketConsumer[ChatEvent]``) is what type checkers accept as the
``event`` argument.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from typing import Any, ClassVar, Generic

from asgiref.sync import async_to_sync
from channels.exceptions import ChannelFull
from channels.layers import get_channel_layer

from chanx.channels.membership import joined_with_extra_groups
from chanx.channels.outage import ChannelLayerUnavailable
from chanx.channels.runtime import chanx_process, current_runtime
from chanx.core.consumer import EventT
from chanx.core.discovery import ConsumerSpec
from chanx.core.testing import event_captures
from chanx.core.wire import (
    BROADCAST_GROUP_KEY,
    BROADCAST_NUMBER_KEY,
    BROADCAST_SENDER_KEY,
    BROADCAST_TEXT_KEY,
    EVENT_TYPE,
)
from chanx.messages.base import BaseMessage

logger = logging.getLogger("chanx.channels.events")


def group_list(groups: str | Iterable[str]) -> list[str]:
    """One group name or several, as a list."""
    return [groups] if isinstance(groups, str) else list(groups)


def record_dropped(channel: str) -> None:
    """Count and log one delivery the layer refused because ``channel`` is full."""
    stats = chanx_process().stats
    stats.dropped_deliveries += 1
    logger.warning(
        "Channel %s is full (its client reads too slowly); a message was dropped "
        "(%d dropped so far in this process)",
        channel,
        stats.dropped_deliveries,
    )


class ServerEventsMixin(Generic[EventT]):
    """The class-level event API of chanx consumers (``MyConsumer.broadcast_event(...)``).

    ``event`` is typed with the consumer's type parameter: for
    ``class Chat(AsyncJsonWebsocketConsumer[ChatEvent])`` a type checker accepts only a
    ``ChatEvent`` in ``Chat.send_event(...)`` and ``Chat.broadcast_event(...)``.
    """

    __chanx_spec__: ClassVar[ConsumerSpec]
    channel_layer_alias: ClassVar[str]
    groups: list[str]

    @classmethod
    def _event_message(cls, event: BaseMessage) -> dict[str, Any]:
        if event.action not in cls.__chanx_spec__.event_handlers:
            raise ValueError(
                f"{cls.__qualname__} has no @event_handler for action {event.action!r}; "
                f"it handles: {sorted(cls.__chanx_spec__.event_handlers) or 'no events'}."
            )
        return {"type": EVENT_TYPE, BROADCAST_TEXT_KEY: event.model_dump_json()}

    @classmethod
    def _layer(cls) -> Any:
        layer = get_channel_layer(cls.channel_layer_alias)
        if layer is None:
            raise RuntimeError(
                f"{cls.__qualname__} cannot send events: no channel layer "
                f"{cls.channel_layer_alias!r} in CHANNEL_LAYERS."
            )
        return layer

    @classmethod
    def _default_groups(cls) -> list[str]:
        groups = joined_with_extra_groups(cls.groups, cls)
        if not groups:
            raise ValueError(
                f"{cls.__qualname__}.broadcast_event() was given no groups and the class "
                "declares none to default to: pass groups=[...], or set `groups` (or a "
                "mixin's `extra_groups`) on the class."
            )
        return groups

    @classmethod
    async def send_event(cls, event: EventT, channel_name: str) -> None:
        """Send an event to one connection (by channel name), handled by its ``@event_handler``.

        Raises :class:`~chanx.channels.outage.ChannelLayerUnavailable` when the layer
        cannot be reached. A full recipient queue drops the event, counted and logged.
        """
        message = cls._event_message(event)
        if event_captures.active and event_captures.record(cls, event, channel_name=channel_name):
            return
        layer = cls._layer()
        health = current_runtime().adapter(layer).health
        try:
            await health.call(layer.send, channel_name, message)
        except ChannelFull:
            record_dropped(channel_name)

    @classmethod
    async def broadcast_event(
        cls, event: EventT, groups: str | Iterable[str] | None = None
    ) -> None:
        """Send an event to every connection in ``groups``.

        Without ``groups``, the event goes to the groups the class declares: its ``groups``
        attribute and its mixins' ``extra_groups`` (a ``ValueError`` says so when there are
        none). Groups a connection computes in ``get_groups()`` are not known to the
        class: name them. Raises :class:`~chanx.channels.outage.ChannelLayerUnavailable`
        when the layer cannot be reached. Events are numbered per group, so a member whose
        queue was full counts and logs the ones it lost (:mod:`chanx.channels.gaps`).
        """
        message = cls._event_message(event)
        targets = cls._default_groups() if groups is None else group_list(groups)
        # Captured as given (one name stays a string, as upstream chanx records it).
        if event_captures.active and event_captures.record(
            cls, event, groups=groups if isinstance(groups, Collection) else targets
        ):
            return
        layer = cls._layer()
        runtime = current_runtime()
        health = runtime.adapter(layer).health
        numbering = runtime.numbering
        for group in targets:
            sender, number = numbering.take(group)
            numbered = {
                **message,
                BROADCAST_SENDER_KEY: sender,
                BROADCAST_GROUP_KEY: group,
                BROADCAST_NUMBER_KEY: number,
            }
            try:
                await health.call(layer.group_send, group, numbered)
            except ChannelLayerUnavailable:
                numbering.give_back(group, sender, number)
                raise

    @classmethod
    def send_event_sync(cls, event: EventT, channel_name: str) -> None:
        """:meth:`send_event` for synchronous code: views, signals, tasks, commands."""
        async_to_sync(cls.send_event)(event, channel_name)

    @classmethod
    def broadcast_event_sync(cls, event: EventT, groups: str | Iterable[str] | None = None) -> None:
        """:meth:`broadcast_event` for synchronous code: views, signals, tasks, commands."""
        async_to_sync(cls.broadcast_event)(event, groups)


__all__ = ["ServerEventsMixin", "group_list", "record_dropped"]
