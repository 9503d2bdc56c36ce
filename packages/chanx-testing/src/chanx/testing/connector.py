"""Opening the WebSocket connections of one test, and closing them all afterwards.

:class:`WebsocketConnector` is what the ``ws_connect`` pytest fixture hands to a test;
it has no pytest dependency, so other runners can use it too.
"""

from __future__ import annotations

from typing import Any

from chanx.channels.utils.asgi import get_websocket_application
from chanx.core.consumer import ChanxWebsocketConsumerMixin
from chanx.messages.outgoing import AuthenticationMessage
from chanx.testing.communicator import shutdown_all
from chanx.testing.django_communicator import DjangoWebsocketCommunicator
from chanx.testing.handshake import OriginOption
from chanx.testing.routing import find_consumer


class WebsocketConnector:
    """Makes the communicators of one test and disconnects them all at its end.

    ``application`` defaults to the project's WebSocket application (the
    ``"websocket"`` entry of ``ASGI_APPLICATION``); ``consumer`` defaults to the class
    that application routes ``path`` to.
    """

    def __init__(self) -> None:
        self.communicators: list[DjangoWebsocketCommunicator] = []

    def communicator(
        self,
        path: str,
        *,
        application: Any | None = None,
        consumer: type[ChanxWebsocketConsumerMixin] | None = None,
        headers: list[tuple[bytes, bytes]] | None = None,
        subprotocols: list[str] | None = None,
        origin: OriginOption = None,
    ) -> DjangoWebsocketCommunicator:
        """A communicator for ``path``, not connected yet, disconnected after the test.

        ``origin`` is the ``Origin`` header to send (default: one ``ALLOWED_HOSTS``
        accepts; False: none), see :class:`~chanx.testing.WebsocketCommunicator`.
        """
        if application is None:
            application = get_websocket_application()
            if application is None:
                raise LookupError(
                    "no WebSocket application to connect to: point ASGI_APPLICATION at a "
                    "ProtocolTypeRouter with a 'websocket' entry, or pass application="
                )
        if consumer is None:
            consumer = find_consumer(application, path)
            if consumer is None:
                raise LookupError(
                    f"the routing sends {path!r} to no chanx consumer that could be found; "
                    "check the path or pass consumer="
                )
        communicator = DjangoWebsocketCommunicator(
            application, path, headers, subprotocols, consumer=consumer, origin=origin
        )
        self.communicators.append(communicator)
        return communicator

    async def __call__(
        self,
        path: str,
        *,
        application: Any | None = None,
        consumer: type[ChanxWebsocketConsumerMixin] | None = None,
        headers: list[tuple[bytes, bytes]] | None = None,
        subprotocols: list[str] | None = None,
        origin: OriginOption = None,
    ) -> DjangoWebsocketCommunicator:
        """Connect to ``path`` and return the communicator; fails if the handshake is refused.

        Authentication comes after the handshake in chanx: follow with
        ``assert_authenticated_status_ok()`` for an endpoint that authenticates.
        """
        communicator = self.communicator(
            path,
            application=application,
            consumer=consumer,
            headers=headers,
            subprotocols=subprotocols,
            origin=origin,
        )
        await communicator.connect()
        return communicator

    async def refused(
        self,
        path: str,
        status_code: int,
        *,
        close_code: int | None = None,
        application: Any | None = None,
        consumer: type[ChanxWebsocketConsumerMixin] | None = None,
        headers: list[tuple[bytes, bytes]] | None = None,
        subprotocols: list[str] | None = None,
    ) -> AuthenticationMessage | None:
        """Connect to ``path`` and assert authentication refused it with ``status_code``.

        The consumer must close with ``close_code`` (default ``4000 + status_code``).
        Returns the ``authentication`` message, or None with
        ``SEND_AUTHENTICATION_MESSAGE`` off. See
        :meth:`DjangoWebsocketCommunicator.assert_refused`.
        """
        communicator = await self(
            path,
            application=application,
            consumer=consumer,
            headers=headers,
            subprotocols=subprotocols,
        )
        return await communicator.assert_refused(status_code, close_code=close_code)

    async def disconnect_all(self) -> None:
        """Disconnect every communicator still running, newest first.

        All are disconnected even if one consumer fails to; the first error is raised then.
        """
        communicators, self.communicators = self.communicators, []
        error = await shutdown_all(list(communicators))
        if error is not None:
            raise error


__all__ = ["WebsocketConnector"]
