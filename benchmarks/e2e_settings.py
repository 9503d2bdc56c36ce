"""Django settings of the end-to-end server (``benchmarks.e2e_app`` under uvicorn).

The channel layer is in-memory unless ``CHANX_BENCH_REDIS_URL`` names a Redis server;
``CHANX_BENCH_REDIS_LAYER=pubsub`` picks channels_redis's pub/sub layer over its core one.
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
_redis_backend = (
    "channels_redis.pubsub.RedisPubSubChannelLayer"
    if os.environ.get("CHANX_BENCH_REDIS_LAYER") == "pubsub"
    else "channels_redis.core.RedisChannelLayer"
)
CHANNEL_LAYERS: dict[str, Any] = (
    {
        "default": {
            "BACKEND": _redis_backend,
            "CONFIG": {"hosts": [_redis_url]},
        }
    }
    if _redis_url
    else {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
)
