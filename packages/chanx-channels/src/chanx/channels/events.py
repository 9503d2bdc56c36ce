"""Sending events to consumers from anywhere: other consumers, views, signals, tasks.

An event is a message handled by an ``@event_handler`` of the receiving consumer; it
travels through the channel layer, so it reaches connections in every server process.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import secrets
import threading
from collections import OrderedDict
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
from chanx.core.wire import (
    BROADCAST_GROUP_KEY,
    BROADCAST_NUMBER_KEY,
    BROADCAST_SENDER_KEY,
    BROADCAST_TEXT_KEY,
    EVENT_TYPE,
)
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


class EventNumbering:
    """Numbers the events this process broadcasts, per group, so receivers see gaps.

    Each group gets its own sequence under a sender name no other process shares (a
    random token, renewed in a forked child). At most ``capacity`` groups are remembered;
    a group forgotten and used again starts a new sequence under a new name, so receivers
    never mistake the restart for lost or late events. Callable from any thread: sync
    code sends events from request threads, each with its own event loop.
    """

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self._lock = threading.Lock()
        self._streams: OrderedDict[str, tuple[str, int]] = OrderedDict()
        self._renew()

    def _renew(self) -> None:
        self._streams.clear()
        self._token = f"chanx.events.{os.getpid()}.{secrets.token_hex(4)}"
        self._serials = itertools.count(1)

    def take(self, group: str) -> tuple[str, int]:
        """The sender name and the next number for an event to ``group``."""
        with self._lock:
            stream = self._streams.get(group)
            if stream is None:
                stream = (f"{self._token}.{next(self._serials)}", 1)
                if len(self._streams) >= self.capacity:
                    self._streams.popitem(last=False)
            else:
                stream = (stream[0], stream[1] + 1)
                self._streams.move_to_end(group)
            self._streams[group] = stream
            return stream

    def give_back(self, group: str, sender: str, number: int) -> None:
        """Return a number whose event was never sent, unless a later one was taken since.

        Members must not count an event the layer never accepted as lost.
        """
        with self._lock:
            if self._streams.get(group) == (sender, number):
                self._streams[group] = (sender, number - 1)


event_numbering = EventNumbering()
os.register_at_fork(after_in_child=event_numbering._renew)


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
        cannot be reached. Events are numbered per group, so a member whose queue was
        full counts and logs the ones it lost (:mod:`chanx.channels.gaps`).
        """
        message = cls._event_message(event)
        layer = cls._layer()
        for group in group_list(groups):
            sender, number = event_numbering.take(group)
            numbered = {
                **message,
                BROADCAST_SENDER_KEY: sender,
                BROADCAST_GROUP_KEY: group,
                BROADCAST_NUMBER_KEY: number,
            }
            try:
                await layer_call(layer.group_send, group, numbered)
            except ChannelLayerUnavailable:
                event_numbering.give_back(group, sender, number)
                raise

    @classmethod
    def send_event_sync(cls, event: BaseMessage, channel_name: str) -> None:
        """:meth:`send_event` for synchronous code: views, signals, tasks, commands."""
        async_to_sync(cls.send_event)(event, channel_name)

    @classmethod
    def broadcast_event_sync(cls, event: BaseMessage, groups: str | Iterable[str]) -> None:
        """:meth:`broadcast_event` for synchronous code: views, signals, tasks, commands."""
        async_to_sync(cls.broadcast_event)(event, groups)


__all__ = [
    "DroppedDeliveries",
    "EventNumbering",
    "ServerEventsMixin",
    "dropped_deliveries",
    "event_numbering",
    "group_list",
]
