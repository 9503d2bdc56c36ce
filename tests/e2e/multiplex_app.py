"""The ASGI application of the multiplexing end-to-end tests, served by uvicorn.

``/ws/multiplex/<room>/`` serves the test project's demultiplexer (chat, news and a
refused admin stream) on the end-to-end settings (in-memory layer, or the Redis named by
``CHANX_BENCH_REDIS_URL``); any HTTP request gets the server's diagnostics.
"""

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.e2e_settings")
django.setup()

from channels.routing import ProtocolTypeRouter  # noqa: E402 - needs Django set up first

from benchmarks.diagnostics import diagnostics  # noqa: E402
from chanx.channels.lifespan import ChanxLifespan  # noqa: E402
from chanx.channels.routing import URLRouter, path  # noqa: E402
from tests.project.multiplex import ProjectDemultiplexer  # noqa: E402

application = ChanxLifespan(
    ProtocolTypeRouter(
        {
            "http": diagnostics,
            "websocket": URLRouter(
                [path("ws/multiplex/<str:room>/", ProjectDemultiplexer.as_asgi())]
            ),
        }
    )
)
