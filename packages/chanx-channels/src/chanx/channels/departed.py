"""Not keeping messages for channels that have left (channels_redis's receive buffers).

``RedisChannelLayer`` reads the messages for every channel of a process from one Redis
list and files each in a per-channel queue, ``receive_buffer``, a ``defaultdict``. A
message for a channel whose consumer has already left (a broadcast sent a moment before
the client went, read after) creates a queue nobody reads, kept for the life of the
process (django/channels_redis#384): on the soak benchmark, about 2 KB for every
connection that came and went.

chanx names its consumers' channels so they can be told apart (:data:`CHANNEL_MARK` at
the end) and keeps the set of those still served in this process. The layer gets a
buffer mapping that files a message for a chanx channel no longer in that set nowhere.
Nothing is remembered about channels after they leave, and other consumers on the same
layer (hand-written ones, workers) are not affected.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

CHANNEL_MARK = ".chanx"
"""The end of every chanx channel name. Layers make the part after ``!`` from hex digits
or letters only, so no other channel name ends like this."""

live_channels: set[str] = set()
"""The chanx channels of this process whose consumer is still receiving."""


async def open_channel(layer: Any) -> str:
    """A new channel name from ``layer`` for a chanx consumer, registered as live."""
    name: str = await layer.new_channel() + CHANNEL_MARK
    live_channels.add(name)
    return name


class ForgetfulBuffers(defaultdict[str, Any]):
    """channels_redis's receive buffers, minus buffers for chanx channels that have left.

    A message for a departed chanx channel goes into a fresh queue that is not kept, so
    it is dropped with it instead of staying in memory for good.
    """

    def __missing__(self, channel_name: str) -> Any:
        if channel_name.endswith(CHANNEL_MARK) and channel_name not in live_channels:
            assert self.default_factory is not None  # checked in close_channel
            return self.default_factory()
        return super().__missing__(channel_name)


def close_channel(layer: Any, channel_name: str) -> None:
    """Forget ``channel_name``: drop its buffer and any message for it that arrives later.

    Call only after the consumer's last ``receive`` on the layer has ended: channels_redis
    deletes the buffer of a cancelled receive itself and must still find it then. Layers
    without per-channel receive buffers (the in-memory layer expires its own) need only
    the bookkeeping.
    """
    live_channels.discard(channel_name)
    buffers = getattr(layer, "receive_buffer", None)
    if not isinstance(buffers, defaultdict) or buffers.default_factory is None:
        return
    if not isinstance(buffers, ForgetfulBuffers):
        # Swapped without an await in between, so no message can be filed in the old one.
        buffers = ForgetfulBuffers(buffers.default_factory, buffers)
        layer.receive_buffer = buffers
    buffers.pop(channel_name, None)


__all__ = ["CHANNEL_MARK", "ForgetfulBuffers", "close_channel", "live_channels", "open_channel"]
