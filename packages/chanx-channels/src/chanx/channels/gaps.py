"""Noticing broadcasts the channel layer dropped, from the receiving side.

A channel layer drops a group message for a member whose queue is full, silently:
``InMemoryChannelLayer`` swallows ``ChannelFull`` and channels_redis only logs a count at
INFO. chanx numbers each sender's broadcasts per group, so a receiver that sees number 7
after number 4 knows two were lost on the way to it, counts them and logs it.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict

logger = logging.getLogger("chanx.channels.gaps")

TRACKED_SENDERS = 64
"""Senders a connection remembers; older ones are forgotten (a gap may then go unseen)."""

LOG_INTERVAL = 10.0
"""Seconds between two warnings about lost broadcasts from one connection."""


class LostBroadcasts:
    """Per-process count of broadcasts lost before they reached a connection."""

    def __init__(self) -> None:
        self.count = 0


lost_broadcasts = LostBroadcasts()


class GapTracker:
    """The last broadcast number seen from each (sender, group), for one connection."""

    __slots__ = ("_last", "_logged_at", "missed")

    def __init__(self) -> None:
        self._last: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._logged_at = float("-inf")
        self.missed = 0

    def seen(self, sender: str, group: str, number: int, where: str) -> None:
        """Record broadcast ``number``; count and log the ones skipped since the last."""
        key = (sender, group)
        last = self._last.get(key)
        self._last[key] = number
        if last is None:
            if len(self._last) > TRACKED_SENDERS:
                self._last.popitem(last=False)
            return
        self._last.move_to_end(key)
        if number > last + 1:
            lost = number - last - 1
            self.missed += lost
            lost_broadcasts.count += lost
            now = time.monotonic()
            if now - self._logged_at >= LOG_INTERVAL:
                self._logged_at = now
                logger.warning(
                    "%s: the channel layer lost %d broadcast(s) to group %r before they "
                    "reached this connection (its queue was full, or the layer restarted); "
                    "%d lost so far",
                    where,
                    lost,
                    group,
                    self.missed,
                )


__all__ = ["GapTracker", "LostBroadcasts", "lost_broadcasts"]
