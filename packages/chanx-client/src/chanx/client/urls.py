"""The WebSocket URL of an endpoint: a base URL plus the channel's address, parameters filled."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_SCHEMES = {"ws": "ws", "wss": "wss", "http": "ws", "https": "wss"}


def socket_url(base_url: str, address: str, params: Mapping[str, object] | None = None) -> str:
    """``base_url`` (``ws://``, ``wss://``, ``http://`` or ``https://``) joined with ``address``.

    ``address`` is a channel's address such as ``/ws/chat/{room}/``; each ``{name}`` is
    replaced by ``params[name]``, percent-escaped so a value cannot change the path.

    >>> socket_url("http://localhost:8000/", "/ws/chat/{room}/", {"room": "a b"})
    'ws://localhost:8000/ws/chat/a%20b/'
    """
    scheme, separator, rest = base_url.partition("://")
    mapped = _SCHEMES.get(scheme.lower()) if separator else None
    if mapped is None:
        raise ValueError(
            f"Base URL {base_url!r} must start with ws://, wss://, http:// or https:// "
            "(for example 'ws://localhost:8000')"
        )
    values = params or {}

    def fill(found: re.Match[str]) -> str:
        name = found.group(1)
        if name not in values or values[name] is None:
            raise ValueError(f"Missing path parameter {name!r} for the address {address!r}")
        return quote(str(values[name]), safe="")

    path = _PLACEHOLDER.sub(fill, address)
    return f"{mapped}://{rest.rstrip('/')}{path}" if path else f"{mapped}://{rest}"


__all__ = ["socket_url"]
