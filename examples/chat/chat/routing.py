"""WebSocket routes of the chat."""

from __future__ import annotations

from chanx.channels.routing import URLRouter, re_path
from chat.consumers import ChatConsumer

router = URLRouter([re_path(r"^ws/chat/(?P<room>[\w-]{1,50})/$", ChatConsumer.as_asgi())])
