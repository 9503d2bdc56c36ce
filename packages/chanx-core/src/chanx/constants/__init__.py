"""``chanx.constants``: the names of chanx's completion signals, at upstream chanx's import path.

With ``SEND_COMPLETION`` on, a consumer follows each reply with a signal saying it is done;
tests pass these names as ``stop_action`` to collect everything up to one::

    from chanx.constants import GROUP_ACTION_COMPLETE

    said = await peer.receive_all_messages(stop_action=GROUP_ACTION_COMPLETE)

The names themselves are defined once, in :mod:`chanx.core.wire`.
"""

from __future__ import annotations

from typing import Literal

from chanx.core.wire import COMPLETE_ACTION as MESSAGE_ACTION_COMPLETE
from chanx.core.wire import EVENT_COMPLETE_ACTION as EVENT_ACTION_COMPLETE
from chanx.core.wire import GROUP_COMPLETE_ACTION as GROUP_ACTION_COMPLETE

# A Literal cannot be built from the names above; a test checks it lists the same three.
COMPLETE_ACTIONS_TYPE = Literal["complete", "event_complete", "group_complete"]
"""The type of a completion action name, for annotating a ``stop_action``."""

COMPLETE_ACTIONS: frozenset[str] = frozenset(
    {MESSAGE_ACTION_COMPLETE, EVENT_ACTION_COMPLETE, GROUP_ACTION_COMPLETE}
)
"""All three completion actions: after a client frame, after an event, after a broadcast."""

__all__ = [
    "COMPLETE_ACTIONS",
    "COMPLETE_ACTIONS_TYPE",
    "EVENT_ACTION_COMPLETE",
    "GROUP_ACTION_COMPLETE",
    "MESSAGE_ACTION_COMPLETE",
]
