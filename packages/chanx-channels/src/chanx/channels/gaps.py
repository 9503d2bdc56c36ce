"""Noticing broadcasts the channel layer dropped, from the receiving side.

A channel layer drops a group message for a member whose queue is full, silently:
``InMemoryChannelLayer`` swallows ``ChannelFull`` and channels_redis only logs a count at
INFO. chanx numbers each sender's broadcasts per group (a connection's own broadcasts,
and each process's server-side events), so a receiver that sees number 7 after number 4
knows two are missing, counts them as lost and logs it.

Two sends from one sender can overtake each other when they run concurrently (events
sent from several requests of one process, or handlers run with
``max_concurrent_handlers > 1``). A missing number that arrives later was late, not
lost: it is taken off the count again, so the count settles on what was really lost.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chanx.channels.runtime import Stats

logger = logging.getLogger("chanx.channels.gaps")

TRACKED_SENDERS = 64
"""Senders a connection remembers; older ones are forgotten (a gap may then go unseen)."""

LATE_WINDOW = 256
"""How far behind the newest number a missing one may still arrive and be taken back."""

LOG_INTERVAL = 10.0
"""Seconds between two warnings about lost broadcasts from one connection."""


_Key = tuple[str, str]


class GapTracker:
    """The newest broadcast number seen from each (sender, group), for one connection.

    Numbers skipped over are kept (up to :data:`LATE_WINDOW` behind the newest) until
    they arrive late; only senders with such holes cost more than one entry.
    """

    __slots__ = ("_holes", "_last", "_logged_at", "missed", "stats", "where")

    def __init__(self, where: str, stats: Stats) -> None:
        self.where = where
        """Who to name in warnings: the consumer class."""
        self.stats = stats
        """The process's counters; lost broadcasts are added to ``stats.lost_broadcasts``."""
        self._last: OrderedDict[_Key, int] = OrderedDict()
        self._holes: dict[_Key, set[int]] = {}
        self._logged_at = float("-inf")
        self.missed = 0

    def seen(self, sender: str, group: str, number: int) -> None:
        """Record broadcast ``number``; count and log the ones skipped since the newest."""
        key = (sender, group)
        last = self._last.get(key)
        if last is None:
            self._last[key] = number
            if len(self._last) > TRACKED_SENDERS:
                forgotten, _ = self._last.popitem(last=False)
                self._holes.pop(forgotten, None)
            return
        self._last.move_to_end(key)
        if number == last + 1:
            self._last[key] = number
        elif number > last:
            self._last[key] = number
            self._skipped(key, last, number)
        else:
            self._arrived_late(key, number)

    def _skipped(self, key: _Key, last: int, number: int) -> None:
        lost = number - last - 1
        self.missed += lost
        self.stats.lost_broadcasts += lost
        holes = self._holes.setdefault(key, set())
        oldest = number - LATE_WINDOW
        holes.update(range(max(last + 1, oldest), number))
        if len(holes) > LATE_WINDOW:
            holes.difference_update([n for n in holes if n < oldest])
        now = time.monotonic()
        if now - self._logged_at >= LOG_INTERVAL:
            self._logged_at = now
            logger.warning(
                "%s: %d broadcast(s) to group %r were lost before they reached this "
                "connection (the channel layer dropped them: its queue for this connection "
                "was full, or the layer restarted); %d lost so far",
                self.where,
                lost,
                key[1],
                self.missed,
            )

    def _arrived_late(self, key: _Key, number: int) -> None:
        holes = self._holes.get(key)
        if holes is None or number not in holes:
            return  # a duplicate, or older than the window: nothing to take back
        holes.discard(number)
        if not holes:
            del self._holes[key]
        self.missed -= 1
        self.stats.lost_broadcasts -= 1


__all__ = ["LATE_WINDOW", "GapTracker"]
