"""WebSocket routes of the chat."""

from __future__ import annotations

from chanx.channels.routing import URLRouter, path, re_path
from chat.consumers import ChatConsumer
from chat.topics import HubConsumer

router = URLRouter(
    [
        re_path(r"^ws/chat/(?P<room>[\w-]{1,50})/$", ChatConsumer.as_asgi()),
        path("ws/hub/", HubConsumer.as_asgi()),
    ]
)
