"""ASGI applications the AsyncAPI tests point ``ASGI_APPLICATION`` at."""

from __future__ import annotations

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.core.asgi import get_asgi_application

from chanx.channels.routing import URLRouter, path
from tests.asyncapi import consumers
from tests.asyncapi.routing import router

django_application = get_asgi_application()

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(router)),
    }
)
"""The full shape: origin validation around the auth stack around nested routers."""

bare_application = ProtocolTypeRouter({"websocket": router})
"""The same routes without middleware."""

single_application = ProtocolTypeRouter(
    {"websocket": URLRouter([path("ws/notes/", consumers.NotesConsumer.as_asgi())])}
)
"""One consumer: a document small enough to read in a test."""

http_only_application = ProtocolTypeRouter({"http": django_application})
"""No WebSockets at all."""
