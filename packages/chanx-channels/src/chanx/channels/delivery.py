"""What the channel layer brings a connection: broadcasts sent and delivered, events handled.

:class:`LayerDeliveryMixin` is the part of the Channels consumer that talks to the layer
once the connection is open: :meth:`~LayerDeliveryMixin.broadcast_message` encodes a
message once and sends it to groups, numbered per group; ``chanx_broadcast`` and
``chanx_event`` deliver what the layer brings, to the consumer or to the subscribed topic
it names, counting the numbers that never came (:mod:`chanx.channels.gaps`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from chanx.channels.connection_state import ConnectionState
from chanx.channels.events import group_list
from chanx.channels.gaps import GapTracker
from chanx.channels.outage import ChannelLayerUnavailable, LayerHealth
from chanx.core.consumer import EventT
from chanx.core.subscriptions import TopicsMixin
from chanx.core.wire import (
    BROADCAST_ACTION_KEY,
    BROADCAST_EXCLUDE_KEY,
    BROADCAST_GROUP_KEY,
    BROADCAST_NUMBER_KEY,
    BROADCAST_SENDER_KEY,
    BROADCAST_TEXT_KEY,
    BROADCAST_TYPE,
    SEQ_KEY,
    TOPIC_KEY,
)
from chanx.messages.base import BaseMessage


class LayerDeliveryMixin(TopicsMixin[EventT]):
    """Broadcasting to groups and delivering the layer's broadcasts and events."""

    channel_layer: Any
    channel_name: str
    connection_state: ConnectionState
    _joined: tuple[str, ...]
    _health: LayerHealth
    _frame_idle: asyncio.Event
    _gaps: GapTracker
    _broadcast_numbers: dict[str, int]

    async def broadcast_message(
        self,
        message: BaseMessage,
        groups: str | Iterable[str] | None = None,
        exclude_current: bool = False,
    ) -> None:
        """Send a message to every member of ``groups`` (default: this connection's groups).

        The message is encoded once here; members receive the same text. With
        ``exclude_current`` this connection does not receive its own broadcast. Raises
        :class:`~chanx.channels.outage.ChannelLayerUnavailable` (answered to the client
        as an ``error`` when a handler lets it propagate) if the layer cannot be reached.
        """
        targets = self._joined if groups is None else group_list(groups)
        text = self.codec.encode(message)
        numbers = self._broadcast_numbers
        for group in targets:
            number = numbers[group] = numbers.get(group, 0) + 1
            event = {
                "type": BROADCAST_TYPE,
                BROADCAST_TEXT_KEY: text,
                BROADCAST_ACTION_KEY: message.action,
                BROADCAST_SENDER_KEY: self.channel_name,
                BROADCAST_EXCLUDE_KEY: exclude_current,
                BROADCAST_GROUP_KEY: group,
                BROADCAST_NUMBER_KEY: number,
            }
            try:
                await self._health.call(self.channel_layer.group_send, group, event)
            except ChannelLayerUnavailable:
                # Not sent, so not lost: members must not count it as a gap (unless a
                # concurrent handler has taken a later number since).
                if numbers[group] == number:
                    numbers[group] = number - 1
                raise

    async def chanx_broadcast(self, message: dict[str, Any]) -> None:
        """Deliver a broadcast from the channel layer to this client."""
        if self.connection_state is not ConnectionState.OPEN:
            return
        sender = message.get(BROADCAST_SENDER_KEY)
        if sender == self.channel_name:
            if message.get(BROADCAST_EXCLUDE_KEY):
                return
            # A client's own broadcast reaches it after the frame that sent it completed,
            # so its reply frames and `complete` come first, whatever the layer's timing.
            await self._frame_idle.wait()
        elif BROADCAST_NUMBER_KEY in message:
            self._count_gaps(message)
        topic = message.get(TOPIC_KEY)
        if topic is None:
            await self.chanx_handle_broadcast(
                message[BROADCAST_TEXT_KEY], message[BROADCAST_ACTION_KEY]
            )
            return
        subscription = self.chanx_topic_subscription(topic)
        if subscription is not None:
            await self.chanx_push_topic_text(subscription, message[BROADCAST_TEXT_KEY])

    async def chanx_event(self, message: dict[str, Any]) -> None:
        """Handle a server-side event from the channel layer with its ``@event_handler``."""
        if self.connection_state is ConnectionState.OPEN:
            if BROADCAST_NUMBER_KEY in message:
                self._count_gaps(message)
            topic = message.get(TOPIC_KEY)
            if topic is None:
                await self.chanx_handle_event(message[BROADCAST_TEXT_KEY])
                return
            subscription = self.chanx_topic_subscription(topic)
            if subscription is not None:
                await self.chanx_push_topic_event(
                    subscription, message[BROADCAST_TEXT_KEY], message.get(SEQ_KEY)
                )

    def _count_gaps(self, message: dict[str, Any]) -> None:
        """Note a numbered broadcast or event; count any its sender sent that never came."""
        self._gaps.seen(
            message[BROADCAST_SENDER_KEY],
            message[BROADCAST_GROUP_KEY],
            message[BROADCAST_NUMBER_KEY],
        )


__all__ = ["LayerDeliveryMixin"]
