"""Finding the project's WebSocket application in its ASGI configuration."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string


def get_websocket_application() -> Any | None:
    """The application serving ``websocket`` connections, middleware included, or None.

    Reads ``ASGI_APPLICATION`` and looks through a ``ProtocolTypeRouter`` for its
    ``"websocket"`` entry (for example ``AllowedHostsOriginValidator(AuthMiddlewareStack(
    URLRouter(...)))``). Returns None when the setting is missing or routes no WebSockets.
    """
    path = getattr(settings, "ASGI_APPLICATION", None)
    if not path:
        return None
    application = import_string(path)
    mapping = getattr(application, "application_mapping", None)
    if isinstance(mapping, dict):
        return mapping.get("websocket")
    return None


__all__ = ["get_websocket_application"]
