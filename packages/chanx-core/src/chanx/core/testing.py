"""Capturing the events a block of code sends, for tests: :func:`capture_broadcast_events`.

A test of a view, a signal or a task that notifies WebSocket clients wants to know which
events it sent, not to run a channel layer and a connected client to find out::

    from chanx.core.testing import capture_broadcast_events

    with capture_broadcast_events(ChatConsumer) as captured:
        notify_room("lobby", "closing soon")  # calls ChatConsumer.broadcast_event(...)

    assert captured[0].event == RoomNotice(payload="closing soon")
    assert captured[0].groups == ["room_lobby"]

The consumers' class-level event API (``broadcast_event``, ``send_event`` and their
``_sync`` forms) reports every event to :data:`event_captures` before sending it, but
only while a capture is open: when none is, that costs one attribute check. Captures are
process-wide rather than bound to the test's task, so an event sent by a handler of a
consumer that was already running when the capture opened is captured too.

This module imports nothing from Django or Channels.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal, overload

from chanx.messages.base import BaseMessage


@dataclass(frozen=True)
class CapturedBroadcastEvent:
    """One event a consumer class was asked to send while a capture was open.

    ``groups`` is the ``groups`` argument of ``broadcast_event`` as it was given (a list or
    a single name), or the list of groups it went to when it was omitted (the class's
    groups) or given as a one-shot iterator; None for ``send_event``, whose recipient is
    ``channel_name`` (None for a broadcast). Fields read as attributes
    (``captured[0].event``) or, as in upstream chanx's guide, by key
    (``captured[0]["event"]``).
    """

    event: BaseMessage
    groups: str | Iterable[str] | None = None
    channel_name: str | None = None

    @overload
    def __getitem__(self, key: Literal["event"]) -> BaseMessage: ...
    @overload
    def __getitem__(self, key: Literal["groups"]) -> str | Iterable[str] | None: ...
    @overload
    def __getitem__(self, key: Literal["channel_name"]) -> str | None: ...
    def __getitem__(self, key: str) -> Any:
        if key not in ("event", "groups", "channel_name"):
            raise KeyError(key)
        return getattr(self, key)


class _Capture:
    """One open :func:`capture_broadcast_events` block."""

    __slots__ = ("consumer", "events", "suppress")

    def __init__(self, consumer: type[object], suppress: bool) -> None:
        self.consumer = consumer
        self.suppress = suppress
        self.events: list[CapturedBroadcastEvent] = []


class EventCaptures:
    """The open captures of this process, which the consumers' event API reports to.

    The event API checks :attr:`active` first, and calls :meth:`record` only when it is
    not empty::

        if event_captures.active and event_captures.record(cls, event, groups=groups):
            return  # suppressed: not sent
    """

    def __init__(self) -> None:
        self.active: tuple[_Capture, ...] = ()
        """The open captures, oldest first; empty (falsy) when nothing is being captured."""
        self._lock = threading.Lock()

    def record(
        self,
        consumer: type[object],
        event: BaseMessage,
        *,
        groups: str | Iterable[str] | None = None,
        channel_name: str | None = None,
    ) -> bool:
        """Record ``event``, sent through ``consumer``, in every capture watching that class.

        Returns True when one of those captures suppresses sending: the caller must then
        not send the event.
        """
        suppressed = False
        for capture in self.active:
            if issubclass(consumer, capture.consumer):
                capture.events.append(CapturedBroadcastEvent(event, groups, channel_name))
                suppressed = suppressed or capture.suppress
        return suppressed

    @contextmanager
    def open(
        self, consumer: type[object], suppress: bool
    ) -> Iterator[list[CapturedBroadcastEvent]]:
        """Capture events sent through ``consumer`` (and its subclasses) until the block ends."""
        capture = _Capture(consumer, suppress)
        # Events may be sent from other threads (``broadcast_event_sync`` in a sync view):
        # the tuple is replaced, never changed in place, so readers need no lock.
        with self._lock:
            self.active = (*self.active, capture)
        try:
            yield capture.events
        finally:
            with self._lock:
                self.active = tuple(open_ for open_ in self.active if open_ is not capture)


event_captures = EventCaptures()
"""The captures of this process; open one with :func:`capture_broadcast_events`."""


@contextmanager
def capture_broadcast_events(
    consumer: type[object], suppress: bool = True
) -> Iterator[list[CapturedBroadcastEvent]]:
    """Capture the events sent through ``consumer`` while the block runs, in order.

    ``consumer`` is a consumer class: events sent with its ``broadcast_event``,
    ``send_event`` or their ``_sync`` forms, or those of a subclass, are captured, with
    the code that sends them running anywhere in the process (a view, a task, another
    connection's handler). The yielded list fills as they are sent and keeps them after
    the block.

    With ``suppress`` (the default) captured events are not sent, so no channel layer is
    involved; ``suppress=False`` captures them and sends them as usual. Either way an event
    ``consumer`` has no ``@event_handler`` for still raises ``ValueError`` at the sender.
    """
    if not isinstance(consumer, type):
        raise TypeError(
            f"capture_broadcast_events() takes the consumer class, not {consumer!r}: "
            "pass e.g. ChatConsumer"
        )
    with event_captures.open(consumer, suppress) as captured:
        yield captured


__all__ = ["CapturedBroadcastEvent", "EventCaptures", "capture_broadcast_events", "event_captures"]
