"""The ASGI application of the topics end-to-end tests, served by uvicorn.

``/ws/hub/`` serves the test project's :class:`~tests.project.topics.HubConsumer` on the
end-to-end settings (the Redis named by ``CHANX_BENCH_REDIS_URL``). HTTP
``/publish/?topic=room:5&text=hi`` publishes a ``notice`` event to that room topic from
this process (each subscriber's topic instance handles it); any other HTTP request gets
the server's diagnostics.
"""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import parse_qs

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.e2e_settings")
django.setup()

from channels.routing import ProtocolTypeRouter  # noqa: E402 - needs Django set up first

from benchmarks.diagnostics import diagnostics  # noqa: E402
from chanx.channels.lifespan import ChanxLifespan  # noqa: E402
from chanx.channels.routing import URLRouter, path  # noqa: E402
from tests.project.topics import HubConsumer, NoticeEvent, RoomTopic, Text  # noqa: E402


async def _publish(scope: dict[str, Any], receive: Any, send: Any) -> None:
    query = parse_qs(scope.get("query_string", b"").decode())
    topic, text = query["topic"][0], query["text"][0]
    await RoomTopic.publish(topic, NoticeEvent(payload=Text(text=text)))
    body = json.dumps({"published": topic}).encode()
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _http(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["path"] == "/publish/":
        await _publish(scope, receive, send)
    else:
        await diagnostics(scope, receive, send)


application = ChanxLifespan(
    ProtocolTypeRouter(
        {
            "http": _http,
            "websocket": URLRouter([path("ws/hub/", HubConsumer.as_asgi())]),
        }
    )
)
