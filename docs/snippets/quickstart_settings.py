"""The settings the quickstart adds: where the ASGI application is, and a channel layer."""

# --8<-- [start:settings]
ASGI_APPLICATION = "myproject.asgi.application"

# Groups and broadcasts go through the channel layer. The in-memory one serves a single
# process, enough to try things; Deployment shows the Redis one for production.
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# --8<-- [end:settings]
