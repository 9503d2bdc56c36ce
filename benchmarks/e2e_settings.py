"""Django settings of the end-to-end server (``benchmarks.e2e_app`` under uvicorn).

The channel layer is in-memory unless ``CHANX_BENCH_REDIS_URL`` names a Redis server.
"""

from __future__ import annotations

import os
from typing import Any

SECRET_KEY = "benchmarks-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["chanx.channels"]
CHANX = {"LOG_WEBSOCKET_MESSAGE": True, "SEND_COMPLETION": False}

_redis_url = os.environ.get("CHANX_BENCH_REDIS_URL")
CHANNEL_LAYERS: dict[str, Any] = (
    {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [_redis_url]},
        }
    }
    if _redis_url
    else {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
)
