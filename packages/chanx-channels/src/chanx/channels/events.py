"""Sending events to consumers from anywhere: other consumers, views, signals, tasks.

An event is a message handled by an ``@event_handler`` of the receiving consumer; it
travels through the channel layer, so it reaches connections in every server process.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any, ClassVar

from asgiref.sync import async_to_sync
from channels.exceptions import ChannelFull
from channels.layers import get_channel_layer

from chanx.channels.outage import (
    ChannelLayerUnavailable,
    layer_failures,
    outage_log,
    pool_exhausted,
)
from chanx.core.discovery import ConsumerSpec
from chanx.core.wire import BROADCAST_TEXT_KEY, EVENT_TYPE
from chanx.messages.base import BaseMessage

logger = logging.getLogger("chanx.channels.events")


UNDELIVERED = (
    "The message could not be delivered: the channel layer is unavailable. Try again shortly."
)


def group_list(groups: str | Iterable[str]) -> list[str]:
    """One group name or several, as a list."""
    return [groups] if isinstance(groups, str) else list(groups)


class DroppedDeliveries:
    """Counts messages the channel layer refused because a recipient's queue was full."""

    def __init__(self) -> None:
        self.count = 0

    def record(self, channel: str) -> None:
        """Count and log one dropped delivery."""
        self.count += 1
        logger.warning(
            "Channel %s is full (its client reads too slowly); a message was dropped "
            "(%d dropped so far in this process)",
            channel,
            self.count,
        )


dropped_deliveries = DroppedDeliveries()


POOL_WAIT = 0.05
"""Seconds to wait before retrying when every pooled layer connection is busy."""

POOL_RETRIES = 40
"""How many times (about two seconds) a call waits for a free pooled connection."""


async def layer_call(operation: Any, *args: Any) -> Any:
    """Run a channel-layer call; turn "unreachable" into :class:`ChannelLayerUnavailable`.

    A failed call is retried once at once: after a Redis restart, each pooled connection
    fails on its first use and is replaced, so one failure alone does not mean an outage.
    An exhausted connection pool is load, not an outage: the call waits for a free
    connection (raise the pool size with ``?max_connections=N`` in the Redis URL).
    """
    failures, busy = layer_failures(), pool_exhausted()
    retried = False
    for _ in range(POOL_RETRIES):
        try:
            return await operation(*args)
        except busy:
            await asyncio.sleep(POOL_WAIT)
        except failures as exc:
            if retried:
                outage_log.failed(exc)
                raise ChannelLayerUnavailable(UNDELIVERED) from exc
            retried = True
    raise ChannelLayerUnavailable(UNDELIVERED)


class ServerEventsMixin:
    """The class-level event API of chanx consumers (``MyConsumer.broadcast_event(...)``)."""

    __chanx_spec__: ClassVar[ConsumerSpec]
    channel_layer_alias: ClassVar[str]

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
    async def send_event(cls, event: BaseMessage, channel_name: str) -> None:
        """Send an event to one connection (by channel name), handled by its ``@event_handler``.

        Raises :class:`~chanx.channels.outage.ChannelLayerUnavailable` when the layer
        cannot be reached. A full recipient queue drops the event, counted and logged.
        """
        try:
            await layer_call(cls._layer().send, channel_name, cls._event_message(event))
        except ChannelFull:
            dropped_deliveries.record(channel_name)

    @classmethod
    async def broadcast_event(cls, event: BaseMessage, groups: str | Iterable[str]) -> None:
        """Send an event to every connection in ``groups``.

        Raises :class:`~chanx.channels.outage.ChannelLayerUnavailable` when the layer
        cannot be reached.
        """
        message = cls._event_message(event)
        layer = cls._layer()
        for group in group_list(groups):
            await layer_call(layer.group_send, group, message)

    @classmethod
    def send_event_sync(cls, event: BaseMessage, channel_name: str) -> None:
        """:meth:`send_event` for synchronous code: views, signals, tasks, commands."""
        async_to_sync(cls.send_event)(event, channel_name)

    @classmethod
    def broadcast_event_sync(cls, event: BaseMessage, groups: str | Iterable[str]) -> None:
        """:meth:`broadcast_event` for synchronous code: views, signals, tasks, commands."""
        async_to_sync(cls.broadcast_event)(event, groups)


__all__ = ["DroppedDeliveries", "ServerEventsMixin", "dropped_deliveries", "group_list"]
