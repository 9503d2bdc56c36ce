"""The errors a chanx client raises, each saying what happened and what to do about it.

They all derive from :class:`ChanxClientError`, so one ``except`` catches whatever the
client itself decided; errors of the transport underneath (``OSError`` while the first
connection is dialled) pass through unchanged.
"""

from __future__ import annotations

from typing import Any


class ChanxClientError(Exception):
    """The base of every error the client raises."""


class ServerError(ChanxClientError):
    """The server answered a request with an ``error`` message.

    ``payload`` is that message's payload as the server sent it (a JSON object with at
    least ``detail``; validation failures add ``errors``).
    """

    def __init__(self, payload: Any) -> None:
        self.payload = payload
        super().__init__(f"The server refused the frame: {self.detail or payload!r}")

    @property
    def detail(self) -> str | None:
        """The human-readable ``detail`` of the payload, when there is one."""
        payload = self.payload
        if isinstance(payload, dict) and isinstance(payload.get("detail"), str):
            detail: str = payload["detail"]
            return detail
        return None


class SubscriptionRefused(ServerError):
    """The server refused a topic subscription.

    ``reason`` is its code: ``unknown_topic`` (no pattern matches the name, or its
    parameters are invalid), ``unauthorized``, ``too_many_subscriptions``.
    """

    def __init__(self, topic: str, payload: Any) -> None:
        self.topic = topic
        reason = payload.get("reason") if isinstance(payload, dict) else None
        self.reason: str = reason if isinstance(reason, str) else "unknown"
        super().__init__(payload)
        self.args = (f"Subscription to {topic!r} refused ({self.reason}): {self.detail or ''}",)


class RequestTimeout(ChanxClientError, TimeoutError):
    """No reply came within the request's timeout (also a :class:`TimeoutError`)."""


class NoReply(ChanxClientError):
    """The server finished handling the request (``complete``) without replying to it.

    The handler returned nothing, or only broadcast: use :meth:`ChanxClient.send` for such
    messages and read the broadcast from the message iterator.
    """


class UnexpectedReply(ChanxClientError):
    """The reply to a request was not of the type passed as ``expect``; ``reply`` holds it."""

    def __init__(self, reply: object, expected: type) -> None:
        self.reply = reply
        super().__init__(f"Expected a {expected.__name__} reply, got {type(reply).__name__}")


class ConnectionLost(ChanxClientError):
    """The connection dropped before the reply came, or could not be restored.

    While the client reconnects, retry the call once it is open again.
    """


class ClientClosed(ChanxClientError):
    """The client is not connected: ``close()`` was called, or ``connect()`` never was."""


class AuthenticationRefused(ChanxClientError):
    """The server refused the connection's credentials; reconnecting will not help.

    ``code`` is the close code (4000 + HTTP status: 4401 for missing or invalid
    credentials, 4403 for a user who may not connect), or the handshake's HTTP status
    mapped the same way (an HTTP 403 handshake rejection gives 4403). Log in again and
    connect with new credentials.
    """

    def __init__(self, code: int, reason: str = "") -> None:
        self.code = code
        self.reason = reason
        shown = f": {reason}" if reason else ""
        super().__init__(f"The server refused the credentials (close code {code}{shown})")


class ConnectionClosedByServer(ChanxClientError):
    """The server closed the connection with a code that forbids reconnecting.

    1008: the client broke a policy (sent faster than the server's rate limit); 1009: it
    sent a frame over the server's size limit; 1000 after the server ended the session.
    Fix what the code says before connecting again.
    """

    def __init__(self, code: int, reason: str = "") -> None:
        self.code = code
        self.reason = reason
        shown = f": {reason}" if reason else ""
        super().__init__(f"The server closed the connection (close code {code}{shown})")


__all__ = [
    "AuthenticationRefused",
    "ChanxClientError",
    "ClientClosed",
    "ConnectionClosedByServer",
    "ConnectionLost",
    "NoReply",
    "RequestTimeout",
    "ServerError",
    "SubscriptionRefused",
    "UnexpectedReply",
]
