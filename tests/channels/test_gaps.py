"""Gap counting on the receiving side, and the numbering of server-side events."""

from __future__ import annotations

import os

import pytest

from chanx.channels.gaps import LATE_WINDOW, GapTracker
from chanx.channels.numbering import EventNumbering
from chanx.channels.runtime import Stats, chanx_process


def feed(tracker: GapTracker, *numbers: int, sender: str = "s", group: str = "g") -> None:
    for number in numbers:
        tracker.seen(sender, group, number)


def test_a_skipped_number_counts_as_lost_in_the_tracker_and_the_process() -> None:
    stats = Stats()
    tracker = GapTracker("Test", stats)
    feed(tracker, 1, 2, 5, 6)
    assert tracker.missed == 2
    assert stats.lost_broadcasts == 2


def test_a_late_arrival_is_taken_back_off_the_count() -> None:
    stats = Stats()
    tracker = GapTracker("Test", stats)
    feed(tracker, 1, 4)  # 2 and 3 missing
    assert tracker.missed == 2
    feed(tracker, 3)  # late, not lost
    assert tracker.missed == 1
    feed(tracker, 3, 1, 4)  # duplicates and old numbers change nothing
    assert tracker.missed == 1
    feed(tracker, 2, 5)
    assert tracker.missed == 0
    assert stats.lost_broadcasts == 0


def test_senders_and_groups_are_counted_apart() -> None:
    tracker = GapTracker("Test", Stats())
    feed(tracker, 1, sender="a")
    feed(tracker, 7, sender="b")  # first seen from b: nothing to compare with
    feed(tracker, 2, group="other", sender="a")
    feed(tracker, 3, sender="a")
    assert tracker.missed == 1


def test_late_arrivals_are_remembered_only_within_the_window() -> None:
    tracker = GapTracker("Test", Stats())
    newest = 1 + 3 * LATE_WINDOW
    feed(tracker, 1, newest)
    assert tracker.missed == newest - 2
    feed(tracker, 2)  # too far behind to be remembered: stays counted
    feed(tracker, newest - 1)  # within the window: taken back
    assert tracker.missed == newest - 3


def test_events_are_numbered_per_group() -> None:
    numbering = EventNumbering()
    sender, first = numbering.take("a")
    assert first == 1
    assert numbering.take("a") == (sender, 2)
    other, number = numbering.take("b")
    assert number == 1 and other != sender


def test_a_group_forgotten_and_used_again_starts_a_new_sequence_under_a_new_name() -> None:
    numbering = EventNumbering(capacity=2)
    sender, _ = numbering.take("a")
    numbering.take("b")
    numbering.take("c")  # forgets "a", the least recently used
    renamed, number = numbering.take("a")
    assert number == 1 and renamed != sender


def test_a_number_given_back_is_reused_unless_a_later_one_was_taken() -> None:
    numbering = EventNumbering()
    sender, number = numbering.take("a")
    numbering.give_back("a", sender, number)
    assert numbering.take("a") == (sender, 1)
    numbering.take("a")  # 2
    numbering.give_back("a", sender, 1)  # too late: 2 was taken since
    assert numbering.take("a") == (sender, 3)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_process_numbers_under_its_own_name() -> None:
    parent, _ = chanx_process().numbering.take("forked")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report the sender name it would use, and leave at once
        child, _ = chanx_process().numbering.take("forked")
        os.write(write, child.encode())
        os._exit(0)
    os.close(write)
    child = os.read(read, 200).decode()
    os.close(read)
    os.waitpid(pid, 0)
    assert child and child != parent
    assert not child.startswith(parent.rsplit(".", 1)[0])
