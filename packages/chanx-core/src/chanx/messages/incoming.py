"""Built-in messages a client may send."""

from __future__ import annotations

from typing import Literal

from chanx.messages.base import BaseMessage


class PingMessage(BaseMessage):
    """A heartbeat from the client; answer it with ``PongMessage``."""

    action: Literal["ping"] = "ping"
    payload: None = None


__all__ = ["PingMessage"]
