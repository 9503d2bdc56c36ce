"""The ASGI application of the end-to-end benchmarks, served by uvicorn.

``/ws/chanx/<room>/``, ``/ws/raw/<room>/`` and ``/ws/floor/<room>/`` serve the three
implementations of :mod:`benchmarks.consumers`, side by side in one server process; any
HTTP request gets :mod:`benchmarks.diagnostics`. The application is wrapped in
:class:`~chanx.channels.lifespan.ChanxLifespan`, as docs/deployment.md recommends.
"""

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.e2e_settings")
if os.environ.get("CHANX_BENCH_TRACEMALLOC"):
    from benchmarks.memtrace import ENV, install

    install(os.environ[ENV])
django.setup()

from channels.routing import ProtocolTypeRouter  # noqa: E402 - needs Django set up first

from benchmarks.consumers import ChanxConsumer, FloorConsumer, RawConsumer  # noqa: E402
from benchmarks.diagnostics import diagnostics  # noqa: E402
from chanx.channels.lifespan import ChanxLifespan  # noqa: E402
from chanx.channels.routing import URLRouter, path  # noqa: E402

application = ChanxLifespan(
    ProtocolTypeRouter(
        {
            "http": diagnostics,
            "websocket": URLRouter(
                [
                    path("ws/chanx/<str:room>/", ChanxConsumer.as_asgi()),
                    path("ws/raw/<str:room>/", RawConsumer.as_asgi()),
                    path("ws/floor/<str:room>/", FloorConsumer.as_asgi()),
                ]
            ),
        }
    )
)
