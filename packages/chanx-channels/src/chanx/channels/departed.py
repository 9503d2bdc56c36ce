"""Not keeping messages for channels that have left (channels_redis's receive buffers).

``RedisChannelLayer`` reads the messages for every channel of a process from one Redis
list and files each in a per-channel queue, ``receive_buffer``, a ``defaultdict``. A
message for a channel whose consumer has already left (a broadcast sent a moment before
the client went, read after) creates a queue nobody reads, kept for the life of the
process (django/channels_redis#384): on the soak benchmark, about 2 KB for every
connection that came and went.

chanx remembers the channels its consumers leave for :data:`DEPARTED_MEMORY` seconds and
gives the layer a buffer mapping that files messages for those channels nowhere. Other
consumers on the same layer (hand-written ones, workers) are not affected: only channels
a chanx consumer has left are forgotten, and only once its receive has ended.
"""

from __future__ import annotations

import time
from collections import OrderedDict, defaultdict
from typing import Any

DEPARTED_MEMORY = 300.0
"""Seconds a departed channel is remembered: far longer than a message stays in flight
(channels_redis expires undelivered messages after 60 s by default)."""


class Departures:
    """The channels chanx consumers of this process left recently, oldest first."""

    __slots__ = ("_left_at",)

    def __init__(self) -> None:
        self._left_at: OrderedDict[str, float] = OrderedDict()

    def add(self, channel_name: str) -> None:
        """Remember that ``channel_name`` left now; forget the ones that left long ago."""
        now = time.monotonic()
        left_at = self._left_at
        left_at[channel_name] = now
        horizon = now - DEPARTED_MEMORY
        while True:  # ends at the latest at the entry just added
            oldest, when = next(iter(left_at.items()))
            if when > horizon:
                return
            del left_at[oldest]

    def __contains__(self, channel_name: object) -> bool:
        return channel_name in self._left_at

    def __len__(self) -> int:
        return len(self._left_at)


departures = Departures()


class ForgetfulBuffers(defaultdict[str, Any]):
    """channels_redis's receive buffers, minus buffers for channels that have left.

    A message for a departed channel goes into a fresh queue that is not kept, so it is
    dropped with it instead of staying in memory for good.
    """

    def __missing__(self, channel_name: str) -> Any:
        if channel_name in departures:
            assert self.default_factory is not None  # checked in forget_channel
            return self.default_factory()
        return super().__missing__(channel_name)


def forget_channel(layer: Any, channel_name: str) -> None:
    """Drop ``channel_name``'s buffer and any message for it that arrives later.

    Call only after the consumer's last ``receive`` on the layer has ended: channels_redis
    deletes the buffer of a cancelled receive itself and must still find it then. Layers
    without per-channel receive buffers (the in-memory layer expires its own) are left alone.
    """
    buffers = getattr(layer, "receive_buffer", None)
    if not isinstance(buffers, defaultdict) or buffers.default_factory is None:
        return
    departures.add(channel_name)
    if not isinstance(buffers, ForgetfulBuffers):
        # Swapped without an await in between, so no message can be filed in the old one.
        buffers = layer.receive_buffer = ForgetfulBuffers(buffers.default_factory, buffers)
    buffers.pop(channel_name, None)


__all__ = ["DEPARTED_MEMORY", "Departures", "ForgetfulBuffers", "departures", "forget_channel"]
