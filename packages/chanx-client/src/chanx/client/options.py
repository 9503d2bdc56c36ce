"""The options every client accepts, as keyword arguments (``**options``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypedDict

from chanx.client.reconnect import ReconnectPolicy
from chanx.client.states import StateChange

DEFAULT_REQUEST_TIMEOUT = 30.0
"""Seconds :meth:`ChanxClient.request` waits for a reply unless told otherwise."""


class ClientOptions(TypedDict, total=False):
    """Keyword options of :class:`~chanx.client.ChanxClient` and of every generated client.

    - ``headers``: extra handshake headers, e.g. ``{"Authorization": "Token ..."}`` and the
      ``Origin`` a server checking origins expects.
    - ``cookies``: sent as one ``Cookie`` header (a session cookie, for instance).
    - ``subprotocols``: WebSocket subprotocols to offer.
    - ``reconnect``: how to space reconnect attempts (default :class:`ReconnectPolicy()`);
      None never reconnects: a dropped connection ends the client with ``ConnectionLost``.
    - ``request_timeout``: seconds :meth:`~ChanxClient.request` waits by default (30).
    - ``on_state_change``: called with every :class:`StateChange`; if it returns an
      awaitable, the client awaits it before going on.
    - ``open_timeout``: seconds a handshake may take (10).
    - ``max_size``: largest frame accepted from the server, in bytes (1 MiB; None: any).
    - ``compression``: ``"deflate"`` (the default) or None.
    """

    headers: Mapping[str, str]
    cookies: Mapping[str, str]
    subprotocols: Sequence[str]
    reconnect: ReconnectPolicy | None
    request_timeout: float
    on_state_change: Callable[[StateChange], object]
    open_timeout: float
    max_size: int | None
    compression: str | None


__all__ = ["DEFAULT_REQUEST_TIMEOUT", "ClientOptions"]
