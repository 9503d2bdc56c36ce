"""Where a connection is in its life."""

from __future__ import annotations

import enum


class ConnectionState(enum.Enum):
    """Where a connection is in its life; frames are handled only when ``OPEN``."""

    CONNECTING = "connecting"
    OPEN = "open"
    CLOSED = "closed"


__all__ = ["ConnectionState"]
