"""Production settings: Redis channel layer, origin checks, quiet logs."""

# --8<-- [start:settings]
import os

ALLOWED_HOSTS = ["chat.example.com"]
ASGI_APPLICATION = "myproject.asgi.application"

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")]},
    }
}

CHANX = {
    "SEND_COMPLETION": False,  # the default: completion signals are for tests
    "LOG_WEBSOCKET_MESSAGE": False,  # no per-frame log lines in production
    "WEBSOCKET_BASE_URL": "wss://chat.example.com",
    "ASYNCAPI_TITLE": "Chat API",
    "ASYNCAPI_VERSION": "2.1.0",
}
# --8<-- [end:settings]
