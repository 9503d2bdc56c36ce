"""Built-in messages a client may send.

The class docstrings become the messages' descriptions in AsyncAPI documents, which are
CommonMark: code is marked with single backticks, not reStructuredText's double ones.
"""

from __future__ import annotations

from typing import Literal

from chanx.messages.base import BaseMessage


class PingMessage(BaseMessage):
    """A heartbeat from the client; answer it with `PongMessage`."""

    action: Literal["ping"] = "ping"
    payload: None = None


__all__ = ["PingMessage"]
