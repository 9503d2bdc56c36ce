"""When to reconnect, and how long to wait: the close-code rules of a chanx server.

A chanx server says with its close code whether coming back can help (docs/deployment.md):
1001 (going away) and 1012 (restart) ask for a reconnect with backoff; 4000 + an HTTP 4xx
status means the credentials were refused; 1008 (rate limit) and 1009 (frame too big) mean
the same frames would be refused again.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Callable
from dataclasses import dataclass

NORMAL_CLOSURE = 1000
"""Close code of a connection ended on purpose."""

ABNORMAL_CLOSURE = 1006
"""The code reported when a connection ended without a close frame (network drop)."""

_RETRY_CODES = frozenset({1001, 1006, 1011, 1012, 1013, 1014})


class CloseOutcome(enum.Enum):
    """What the client does after a connection ended with a given close code."""

    RECONNECT = "reconnect"
    """Transient: the server restarts or the network dropped; try again after a delay."""
    CLOSED = "closed"
    """The server ended the session normally (1000): stop, without an error."""
    REFUSED = "refused"
    """The server refused the credentials (4400-4499): stop, raise AuthenticationRefused."""
    STOPPED = "stopped"
    """Anything else (1008, 1009, other codes): retrying would fail again; stop and raise."""


def close_outcome(code: int) -> CloseOutcome:
    """What to do after the connection ended with ``code``.

    1001 going away, 1006 no close frame, 1011 server error, 1012 restart, 1013 try again
    later and 1014 bad gateway reconnect; 1000 closes; 4400-4499 (4000 + an HTTP 4xx
    status, as chanx authenticators close) are refusals; every other code stops.
    """
    if code in _RETRY_CODES:
        return CloseOutcome.RECONNECT
    if code == NORMAL_CLOSURE:
        return CloseOutcome.CLOSED
    if 4400 <= code <= 4499:
        return CloseOutcome.REFUSED
    return CloseOutcome.STOPPED


def handshake_outcome(status: int) -> CloseOutcome:
    """What to do after the server answered the handshake with HTTP ``status``.

    401 and 403 refuse the credentials (or the ``Origin``); 5xx (a proxy in front of a
    restarting server) and 429 are worth another try; other statuses (404: wrong address)
    will not change by retrying.
    """
    if status in (401, 403):
        return CloseOutcome.REFUSED
    if status >= 500 or status == 429:
        return CloseOutcome.RECONNECT
    return CloseOutcome.STOPPED


@dataclass(frozen=True)
class ReconnectPolicy:
    """How reconnect attempts are spaced: jittered exponential backoff, in seconds.

    Attempt *n* waits ``min(maximum, initial * multiplier ** (n - 1))``, minus up to
    ``jitter`` of it at random so that the clients of a restarted server do not all come
    back at the same instant. ``max_attempts`` failed attempts in a row end the client with
    :class:`~chanx.client.ConnectionLost` (None: never give up). The count starts again
    after every successful reconnect.

    ::

        ChatClient(url, room="lobby", reconnect=ReconnectPolicy(initial=1.0, max_attempts=10))
    """

    initial: float = 0.5
    maximum: float = 30.0
    multiplier: float = 2.0
    jitter: float = 0.5
    max_attempts: int | None = None

    def __post_init__(self) -> None:
        if self.initial < 0 or self.maximum < 0 or self.multiplier < 1:
            raise ValueError(
                "ReconnectPolicy needs initial >= 0, maximum >= 0 and multiplier >= 1 "
                f"(got initial={self.initial}, maximum={self.maximum}, "
                f"multiplier={self.multiplier})"
            )
        if not 0 <= self.jitter <= 1:
            raise ValueError(f"ReconnectPolicy.jitter is a fraction in [0, 1], got {self.jitter}")
        if self.max_attempts is not None and self.max_attempts < 1:
            raise ValueError(
                f"ReconnectPolicy.max_attempts must be at least 1 or None, got {self.max_attempts}"
            )

    def delay(self, attempt: int, random_fraction: Callable[[], float] = random.random) -> float:
        """Seconds to wait before reconnect attempt ``attempt`` (1 for the first)."""
        exponent = max(attempt - 1, 0)
        try:
            base = min(self.maximum, self.initial * self.multiplier**exponent)
        except OverflowError:
            base = self.maximum
        return base * (1 - self.jitter * random_fraction())

    def gives_up_after(self, attempt: int) -> bool:
        """Whether ``attempt`` failed attempts in a row are all this policy allows."""
        return self.max_attempts is not None and attempt >= self.max_attempts


__all__ = [
    "ABNORMAL_CLOSURE",
    "NORMAL_CLOSURE",
    "CloseOutcome",
    "ReconnectPolicy",
    "close_outcome",
    "handshake_outcome",
]
