"""Starting and stopping chanx with the ASGI server (the lifespan protocol).

Channels' ``ProtocolTypeRouter`` has no ``lifespan`` entry, so servers that announce
startup and shutdown (uvicorn, hypercorn) have nobody to tell. Wrap the application::

    application = ChanxLifespan(
        ProtocolTypeRouter({"http": django_asgi_app, "websocket": websocket_routes})
    )

At startup the event loop's :class:`~chanx.channels.runtime.ChanxRuntime` prepares every
layer in ``CHANNEL_LAYERS`` (a layer that cannot be set up fails the startup, with the
reason in the server's log, instead of failing the first connection). At shutdown it
closes the connections still open with 1001, stops every task chanx started and
releases the layers. Without the wrapper, everything still works: the runtime starts with
the first connection, and its tasks end with the connections.
"""

from __future__ import annotations

import logging
from typing import Any

from chanx.channels.runtime import current_runtime

logger = logging.getLogger("chanx.channels.runtime")


class ChanxLifespan:
    """An ASGI application that answers ``lifespan`` and passes everything else on.

    Attributes of the wrapped application stay readable through the wrapper (for
    example a ``ProtocolTypeRouter``'s ``application_mapping``).
    """

    def __init__(self, application: Any) -> None:
        self.application = application

    def __getattr__(self, name: str) -> Any:
        return getattr(self.application, name)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Serve ``scope``: lifespan here, everything else by the wrapped application."""
        if scope["type"] != "lifespan":
            await self.application(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    current_runtime().start_layers()
                except Exception as exc:
                    logger.exception("chanx could not start")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                try:
                    await current_runtime().stop()
                except Exception as exc:
                    logger.exception("chanx did not stop cleanly")
                    await send({"type": "lifespan.shutdown.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.shutdown.complete"})
                return


__all__ = ["ChanxLifespan"]
