"""WebSocket routes of the test project."""

from __future__ import annotations

from chanx.channels.routing import URLRouter, path, re_path
from tests.project import consumers, model_topics, multiplex, topics

router = URLRouter(
    [
        path("ws/echo/", consumers.EchoConsumer.as_asgi()),
        re_path(r"^ws/rooms/(?P<room>[a-z0-9_]+)/$", consumers.EchoConsumer.as_asgi()),
        path("ws/concurrent/", consumers.ConcurrentEchoConsumer.as_asgi()),
        path("ws/small/", consumers.SmallFramesConsumer.as_asgi()),
        path("ws/silent/", consumers.SilentConsumer.as_asgi()),
        path("ws/multiplex/<str:room>/", multiplex.ProjectDemultiplexer.as_asgi()),
        path("ws/multiplex-renamed/", multiplex.RenamedEnvelopeDemultiplexer.as_asgi()),
        path("ws/hub/", topics.HubConsumer.as_asgi()),
        path("ws/streams/", model_topics.StreamConsumer.as_asgi()),
    ]
)
