"""Where a client is in its life, and the record of each change the caller is told about."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ClientState(enum.Enum):
    """The states of a :class:`~chanx.client.ChanxClient`.

    ``IDLE`` before :meth:`connect`; ``CONNECTING`` while the first handshake runs;
    ``OPEN`` once frames can be sent (after a reconnect: once the topic subscriptions are
    restored); ``RECONNECTING`` between a dropped connection and the next open one;
    ``CLOSED`` for good, until :meth:`connect` is called again.
    """

    IDLE = "idle"
    CONNECTING = "connecting"
    OPEN = "open"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"


@dataclass(frozen=True)
class StateChange:
    """One change of state, with what caused it.

    ``code`` and ``reason`` are the close code and reason of the connection that ended
    (on ``RECONNECTING`` and ``CLOSED``); ``attempt`` is the reconnect attempt about to be
    made (1, 2, ...; 0 outside reconnecting) and ``delay`` the seconds before it;
    ``error`` is why the client stopped, when it stopped on a refusal or a failure.
    """

    state: ClientState
    code: int | None = None
    reason: str = ""
    attempt: int = 0
    delay: float | None = None
    error: BaseException | None = None


__all__ = ["ClientState", "StateChange"]
