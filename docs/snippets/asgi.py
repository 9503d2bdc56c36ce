"""The project's ASGI application, as the deployment page shows it.

The documentation's tests point ``ASGI_APPLICATION`` here, so the pytest fixtures, the
AsyncAPI views and the management command all see the routes of the samples.
"""

# --8<-- [start:asgi]
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "myproject.settings")
# Set Django up before importing consumers: they may import models.
http_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter
from channels.security.websocket import AllowedHostsOriginValidator

from chanx.channels.lifespan import ChanxLifespan
from chanx.channels.routing import URLRouter, include, path

websocket_router = URLRouter(
    [
        path("", include("docs.snippets.quickstart")),
        path("", include("docs.snippets.rooms")),
        path("", include("docs.snippets.auth")),
    ]
)

# ChanxLifespan starts chanx with the server and stops it cleanly on SIGTERM.
application = ChanxLifespan(
    ProtocolTypeRouter(
        {
            "http": http_application,
            # Refuse handshakes whose Origin header is not one of ALLOWED_HOSTS, then put
            # the session's user in scope["user"] for SessionAuthentication.
            "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(websocket_router)),
        }
    )
)
# --8<-- [end:asgi]
