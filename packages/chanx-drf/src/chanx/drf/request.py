"""The HTTP request Django REST framework sees for a WebSocket handshake.

A WebSocket connection opens with an HTTP ``GET`` carrying ``Upgrade: websocket``. Its
ASGI ``websocket`` scope holds everything an HTTP view would read: path, query string,
headers (``Authorization``, ``Cookie``), client address. :func:`build_http_request`
turns that scope into a Django :class:`~django.core.handlers.asgi.ASGIRequest`, the same
class Django builds for ASGI HTTP requests, so authentication, permission and throttle
classes run unchanged.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from django.core.handlers.asgi import ASGIRequest

_SCHEMES = {"ws": "http", "wss": "https"}

# Headers of the handshake that have no meaning for the emulated request. ``Accept`` would
# drive DRF's content negotiation, which could refuse the handshake with 406; the
# ``Sec-WebSocket-*`` and ``Upgrade`` headers belong to the transport.
_DROPPED_HEADERS = frozenset({b"accept", b"upgrade", b"connection"})


def build_http_request(scope: Mapping[str, Any], method: str) -> ASGIRequest:
    """An HTTP request with ``method`` built from the WebSocket handshake in ``scope``.

    The request has the handshake's path, query string (``request.GET``), headers
    (``request.META``, so ``Authorization`` and ``COOKIES`` work), client and server
    addresses, and an empty body. The scheme is mapped ``ws`` → ``http`` and ``wss`` →
    ``https``, so ``request.is_secure()`` and Django's CSRF checks behave as for an HTTP
    request to the same host.

    When Channels' ``AuthMiddlewareStack`` (or ``SessionMiddleware``) ran, its
    ``scope["user"]`` and ``scope["session"]`` become ``request.user`` and
    ``request.session``, which is what DRF's ``SessionAuthentication`` reads.
    """
    headers = [
        (name, value)
        for name, value in scope.get("headers", ())
        if name.lower() not in _DROPPED_HEADERS and not name.lower().startswith(b"sec-websocket-")
    ]
    http_scope = {
        **scope,
        "type": "http",
        "method": method.upper(),
        "scheme": _SCHEMES.get(scope.get("scheme", "ws"), "http"),
        "headers": headers,
    }
    request = ASGIRequest(http_scope, io.BytesIO())
    if "session" in scope:
        request.session = scope["session"]
    if "user" in scope:
        request.user = scope["user"]
    return request


__all__ = ["build_http_request"]
