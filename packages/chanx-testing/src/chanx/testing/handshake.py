"""What a test communicator sends and checks during the WebSocket handshake.

Browsers send an ``Origin`` header with every WebSocket handshake, and a project that
wraps its router in Channels' ``AllowedHostsOriginValidator`` (as the deployment guide
does) refuses a handshake without one. The communicators therefore send, by default, an
``Origin`` the project's ``ALLOWED_HOSTS`` accepts, and a refused handshake fails with
:class:`HandshakeRefused`, which names the close code and the usual causes.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

from django.conf import settings

from chanx.channels.websocket import AUTH_CLOSE_BASE

OriginOption: TypeAlias = str | Literal[False] | None
"""A communicator's ``origin=``: a value to send, ``None`` for :func:`default_origin`,
``False`` to send no ``Origin`` header."""


def default_origin() -> str:
    """An ``Origin`` that ``AllowedHostsOriginValidator`` accepts under the current settings.

    ``http://`` plus the first host of ``ALLOWED_HOSTS`` that names one (a leading dot, as
    in ``.example.com``, is dropped: the domain itself matches); ``http://localhost`` when
    there is none (``ALLOWED_HOSTS`` empty, as with ``DEBUG``, or only ``"*"``). Read
    when a communicator connects, so ``override_settings`` applies.
    """
    for host in getattr(settings, "ALLOWED_HOSTS", None) or []:
        name = host.strip().lstrip(".")
        if name and name != "*" and "*" not in name:
            return f"http://{name}"
    return "http://localhost"


def with_origin(
    headers: list[tuple[bytes, bytes]], origin: OriginOption
) -> list[tuple[bytes, bytes]]:
    """``headers`` plus an ``Origin`` header, unless they carry one or ``origin`` is False."""
    if origin is False or any(name.lower() == b"origin" for name, _ in headers):
        return list(headers)
    value = default_origin() if origin is None else origin
    return [*headers, (b"origin", value.encode("latin-1"))]


class HandshakeRefused(AssertionError):
    """The application closed the connection instead of accepting the handshake.

    An ``AssertionError``, so a test reports it as a failure. ``code`` is the close code.
    """

    def __init__(self, path: str, code: int, headers: list[tuple[bytes, bytes]]) -> None:
        self.path = path
        self.code = code
        super().__init__(_explain(path, code, headers))


def _explain(path: str, code: int, headers: list[tuple[bytes, bytes]]) -> str:
    origin = next((value for name, value in headers if name.lower() == b"origin"), None)
    sent = f"Origin: {origin.decode('latin-1')}" if origin is not None else "no Origin header"
    allowed = getattr(settings, "ALLOWED_HOSTS", None)
    causes = {
        "origin check": (
            f"this communicator sent {sent} and ALLOWED_HOSTS is {allowed!r}; "
            "AllowedHostsOriginValidator refuses (with 403 on a real server, close code 1000 "
            "here) an Origin whose host is not in ALLOWED_HOSTS as it was when asgi.py was "
            "imported; pass origin= to the communicator (ws_origin on a WebsocketTestCase)"
        ),
        "authentication": (
            f"a refusal closes with {AUTH_CLOSE_BASE} + status code (4401 no credentials, "
            "4403 forbidden): check the test's headers or cookies"
        ),
        "route": "no route for the path (404 / unknown path): check it against your routing",
    }
    likely = (
        "authentication"
        if AUTH_CLOSE_BASE <= code < AUTH_CLOSE_BASE + 1000
        else "origin check"
        if code == 1000
        else None
    )
    order = sorted(causes, key=lambda cause: cause != likely)
    lines = "\n".join(f"  - {cause}: {causes[cause]}" for cause in order)
    return (
        f"the WebSocket handshake to {path!r} was refused (close code {code}). "
        f"Usual causes, most likely first:\n{lines}\n"
        "To test a refusal on purpose, call connect(allow_refused=True): it then returns "
        "(False, close_code)."
    )


__all__ = ["HandshakeRefused", "OriginOption", "default_origin", "with_origin"]
