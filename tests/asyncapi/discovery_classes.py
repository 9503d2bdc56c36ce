"""A custom route discovery class, loaded by dotted path in the tests."""

from __future__ import annotations

from chanx.asyncapi.generator import WebSocketRoute
from tests.asyncapi.consumers import QuietConsumer


class QuietOnlyDiscovery:
    """Documents one hand-written route, whatever ASGI_APPLICATION says."""

    def discover(self) -> list[WebSocketRoute]:
        return [
            WebSocketRoute(
                "/custom/{slot}/", QuietConsumer, parameters={"slot": "Which slot to join."}
            )
        ]


class NotADiscovery:
    pass


class NothingDiscovery:
    """Finds no routes, as a discovery class pointed at the wrong module would."""

    def discover(self) -> list[WebSocketRoute]:
        return []
