"""ASGI entry point: Django for HTTP, chanx consumers for WebSockets (origin-checked)."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chat_project.settings")
http_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402 - Django must be set up first
from channels.routing import ProtocolTypeRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from chat.routing import router  # noqa: E402

from chanx.channels.lifespan import ChanxLifespan  # noqa: E402

# ChanxLifespan: chanx starts with the server and stops cleanly when it stops (SIGTERM).
application = ChanxLifespan(
    ProtocolTypeRouter(
        {
            "http": http_application,
            # Refuse handshakes whose Origin is not in ALLOWED_HOSTS: a page on another site
            # must not open a socket with the user's cookies (cross-site WebSocket hijacking).
            "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(router)),
        }
    )
)
