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


class SubscribeMessage(BaseMessage):
    """Subscribe this connection to the frame's `topic` (e.g. `room:5`).

    Answered with `subscribed`, or with an `error` whose `reason` says why not.
    """

    action: Literal["subscribe"] = "subscribe"
    payload: None = None


class UnsubscribeMessage(BaseMessage):
    """Leave the frame's `topic`; answered with `unsubscribed`."""

    action: Literal["unsubscribe"] = "unsubscribe"
    payload: None = None


__all__ = ["PingMessage", "SubscribeMessage", "UnsubscribeMessage"]
