"""Not keeping messages for channels that have left (channels_redis's receive buffers).

``RedisChannelLayer`` reads the messages for every channel of a process from one Redis
list and files each in a per-channel queue, ``receive_buffer``, a ``defaultdict``. A
message for a channel whose consumer has already left (a broadcast sent a moment before
the client went, read after) creates a queue nobody reads, kept for the life of the
process (django/channels_redis#384): on the soak benchmark, about 2 KB for every
connection that came and went.

chanx gives the layer a buffer mapping that remembers the channels chanx consumers left
and files messages for them nowhere. A channel is remembered for twice the layer's
``expiry`` (60 s by default): channels_redis discards messages older than that, so none
can arrive later. Other consumers on the same layer (hand-written ones, workers) are not
affected: only channels a chanx consumer has left are forgotten, and only once its
receive has ended.
"""

from __future__ import annotations

import time
from collections import OrderedDict, defaultdict
from typing import Any

DEFAULT_EXPIRY = 60
"""channels_redis's default message ``expiry``, for layers that do not say theirs."""


class Departures:
    """The channels chanx consumers left in the last ``memory`` seconds, oldest first."""

    __slots__ = ("_left_at", "memory")

    def __init__(self, memory: float) -> None:
        self.memory = memory
        self._left_at: OrderedDict[str, float] = OrderedDict()

    def add(self, channel_name: str) -> None:
        """Remember that ``channel_name`` left now; forget the ones that left long ago."""
        now = time.monotonic()
        left_at = self._left_at
        left_at[channel_name] = now
        horizon = now - self.memory
        while True:  # ends at the latest at the entry just added
            oldest, when = next(iter(left_at.items()))
            if when > horizon:
                return
            del left_at[oldest]

    def __contains__(self, channel_name: object) -> bool:
        return channel_name in self._left_at

    def __len__(self) -> int:
        return len(self._left_at)


class ForgetfulBuffers(defaultdict[str, Any]):
    """channels_redis's receive buffers, minus buffers for channels that have left.

    A message for a departed channel goes into a fresh queue that is not kept, so it is
    dropped with it instead of staying in memory for good.
    """

    def __init__(self, layer: Any, buffers: defaultdict[str, Any]) -> None:
        super().__init__(buffers.default_factory, buffers)
        self.departed = Departures(2 * getattr(layer, "expiry", DEFAULT_EXPIRY))

    def __missing__(self, channel_name: str) -> Any:
        if channel_name in self.departed:
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
    if not isinstance(buffers, ForgetfulBuffers):
        # Swapped without an await in between, so no message can be filed in the old one.
        buffers = layer.receive_buffer = ForgetfulBuffers(layer, buffers)
    buffers.departed.add(channel_name)
    buffers.pop(channel_name, None)


__all__ = ["Departures", "ForgetfulBuffers", "forget_channel"]
