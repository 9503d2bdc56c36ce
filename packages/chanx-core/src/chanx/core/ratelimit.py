"""A per-connection token bucket: how many frames a client may send, and how fast."""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimit:
    """At most ``per_second`` frames per second on average, with bursts up to ``burst``.

    A frame over the limit is answered with an ``error`` and not handled. A client that
    keeps sending over the limit, ``close_after`` frames in a row, is disconnected with
    close code 1008 (policy violation).
    """

    per_second: float
    burst: int
    close_after: int = 50

    def __post_init__(self) -> None:
        if self.per_second <= 0 or self.burst < 1 or self.close_after < 1:
            raise ValueError("RateLimit needs per_second > 0, burst >= 1 and close_after >= 1")


class TokenBucket:
    """The state of one connection's :class:`RateLimit`."""

    __slots__ = ("_limit", "_stamp", "_tokens", "refused_in_a_row")

    def __init__(self, limit: RateLimit) -> None:
        self._limit = limit
        self._tokens = float(limit.burst)
        self._stamp = time.monotonic()
        self.refused_in_a_row = 0

    def take(self) -> bool:
        """Spend one token for a frame; False when the client is over its limit."""
        now = time.monotonic()
        limit = self._limit
        tokens = min(limit.burst, self._tokens + (now - self._stamp) * limit.per_second)
        self._stamp = now
        if tokens >= 1:
            self._tokens = tokens - 1
            self.refused_in_a_row = 0
            return True
        self._tokens = tokens
        self.refused_in_a_row += 1
        return False

    @property
    def abusive(self) -> bool:
        """Whether the client kept sending over the limit long enough to be disconnected."""
        return self.refused_in_a_row >= self._limit.close_after


__all__ = ["RateLimit", "TokenBucket"]
