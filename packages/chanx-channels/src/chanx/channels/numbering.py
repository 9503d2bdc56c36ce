"""Numbering the server-side events a process broadcasts, so receivers can see gaps."""

from __future__ import annotations

import itertools
import os
import secrets
import threading
from collections import OrderedDict


class EventNumbering:
    """Numbers the events this process broadcasts, per group, so receivers see gaps.

    Each group gets its own sequence under a sender name no other process shares (a
    random token; :class:`~chanx.channels.runtime.ChanxProcess` makes a new numbering in
    a forked child). At most ``capacity`` groups are remembered;
    a group forgotten and used again starts a new sequence under a new name, so receivers
    never mistake the restart for lost or late events. Callable from any thread: sync
    code sends events from request threads, each with its own event loop.
    """

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self._lock = threading.Lock()
        self._streams: OrderedDict[str, tuple[str, int]] = OrderedDict()
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


__all__ = ["EventNumbering"]
