"""Publishing to topics through the Django Channels layer.

:meth:`chanx.core.topics.Topic.publish` (and a topic instance's ``broadcast_message``)
reach the subscribers of a topic instance in every server process through its group.
A message is encoded once, here, with its routing keys (``version``, ``topic``, ``seq``)
already in the text, so each subscriber forwards the same text; an event is handled by
each subscriber's topic instance. Importing this module (``chanx.channels.websocket``
does) installs it as the topics' publisher.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from chanx.channels.options import current_options
from chanx.channels.outage import ChannelLayerUnavailable
from chanx.channels.runtime import current_runtime
from chanx.core.codec import MessageCodec
from chanx.core.envelope import seq_fragment, topic_prefix, with_prefix
from chanx.core.topics import Topic, group_name, set_publisher
from chanx.core.wire import (
    BROADCAST_ACTION_KEY,
    BROADCAST_EXCLUDE_KEY,
    BROADCAST_GROUP_KEY,
    BROADCAST_NUMBER_KEY,
    BROADCAST_SENDER_KEY,
    BROADCAST_TEXT_KEY,
    BROADCAST_TYPE,
    EVENT_TYPE,
    SEQ_KEY,
    TOPIC_KEY,
)
from chanx.messages.base import BaseMessage

_codecs: dict[tuple[str, bool], MessageCodec] = {}


def _codec() -> MessageCodec:
    """An encoder for the current wire settings (``MESSAGE_ACTION_KEY``, ``CAMELIZE``)."""
    options = current_options()
    key = (options.action_key, options.camelize)
    codec = _codecs.get(key)
    if codec is None:
        codec = _codecs[key] = MessageCodec(
            None, action_key=options.action_key, camelize=options.camelize
        )
    return codec


async def publish_to_topic(
    topic_class: type[Topic],
    topic: str,
    message: BaseMessage,
    *,
    event: bool,
    seq: int | None = None,
    sender: Any = None,
    exclude_current: bool = False,
    alias: str | None = None,
) -> None:
    """Send ``message`` to the group of topic instance ``topic``.

    ``event`` says whether subscribers handle it with an ``@event_handler`` (True) or
    forward it as it is. ``sender`` is the consumer publishing, if any: with
    ``exclude_current`` it does not receive its own push. Raises
    :class:`~chanx.channels.outage.ChannelLayerUnavailable` when the layer is down.
    """
    layer_alias = alias or getattr(sender, "channel_layer_alias", None) or "default"
    layer = get_channel_layer(layer_alias)
    if layer is None:
        raise RuntimeError(
            f"{topic_class.__qualname__} cannot publish to {topic!r}: no channel layer "
            f"{layer_alias!r} in CHANNEL_LAYERS."
        )
    group = group_name(topic_class, topic)
    payload: dict[str, Any]
    if event:
        payload = {"type": EVENT_TYPE, BROADCAST_TEXT_KEY: message.model_dump_json()}
        if seq is not None:
            payload[SEQ_KEY] = seq
    else:
        prefix = topic_prefix(topic) + (seq_fragment(seq) if seq is not None else "")
        payload = {
            "type": BROADCAST_TYPE,
            BROADCAST_TEXT_KEY: with_prefix(_codec().encode(message), prefix),
            BROADCAST_ACTION_KEY: message.action,
            BROADCAST_EXCLUDE_KEY: exclude_current,
        }
    payload[TOPIC_KEY] = topic
    payload[BROADCAST_GROUP_KEY] = group
    runtime = current_runtime()
    health = runtime.adapter(layer).health
    if sender is not None:
        # A consumer's own push: unnumbered (its numbers count its own broadcasts).
        payload[BROADCAST_SENDER_KEY] = sender.channel_name
        await health.call(layer.group_send, group, payload)
        return
    numbering = runtime.numbering
    number_sender, number = numbering.take(group)
    payload[BROADCAST_SENDER_KEY] = number_sender
    payload[BROADCAST_NUMBER_KEY] = number
    try:
        await health.call(layer.group_send, group, payload)
    except ChannelLayerUnavailable:
        numbering.give_back(group, number_sender, number)
        raise


def publish_to_topic_sync(topic_class: type[Topic], topic: str, message: BaseMessage) -> None:
    """:meth:`Topic.publish` for synchronous code: views, signals, tasks, commands."""
    async_to_sync(topic_class.publish)(topic, message)


set_publisher(publish_to_topic)

__all__ = ["publish_to_topic", "publish_to_topic_sync"]
