"""A Django test case for chanx consumers, with communicators that always get closed.

Django runs an ``async def`` test method of a ``TransactionTestCase`` in an event loop
made for that one call (``async_to_sync``), which is closed when the method returns:
the consumers still running in it are cancelled, not disconnected, so their
``disconnect()`` and group cleanup never run. A sync ``tearDown`` cannot reach them
any more. :class:`WebsocketTestCase` therefore wraps each ``async def test*`` method
(once, when the class is created) so that the communicators it created are
disconnected in its own loop, after the test body, pass or fail. ``tearDown`` then
only has to deal with communicators of sync tests.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from asgiref.sync import async_to_sync
from django.test import TransactionTestCase

from chanx.channels.utils.asgi import get_websocket_application
from chanx.core.consumer import ChanxWebsocketConsumerMixin
from chanx.testing.communicator import WebsocketCommunicator, shutdown_all
from chanx.testing.django_communicator import DjangoWebsocketCommunicator
from chanx.testing.handshake import OriginOption
from chanx.testing.routing import find_consumer

_CLEANS_UP = "__chanx_disconnects_communicators__"

AsyncTest = Callable[..., Awaitable[None]]


def _disconnecting_afterwards(test: AsyncTest) -> AsyncTest:
    @functools.wraps(test)
    async def run(self: WebsocketTestCase, *args: Any, **kwargs: Any) -> None:
        try:
            await test(self, *args, **kwargs)
        except BaseException:
            # The test's own failure is the one to report; cleanup errors would hide it.
            await self._shutdown_communicators(raise_errors=False)
            raise
        await self._shutdown_communicators(raise_errors=True)

    setattr(run, _CLEANS_UP, True)
    return run


class WebsocketTestCase(TransactionTestCase):
    """Django test case for chanx WebSocket consumers.

    Set ``ws_path``; the application is the ``"websocket"`` entry of the project's
    ``ASGI_APPLICATION`` (middleware included) and the consumer is the one it routes
    ``ws_path`` to::

        class EchoTests(WebsocketTestCase):
            ws_path = "/ws/echo/"

            def get_ws_headers(self) -> list[tuple[bytes, bytes]]:
                return [(b"cookie", self.session_cookie)]

            async def test_echo(self) -> None:
                await self.auth_communicator.connect()
                await self.auth_communicator.assert_authenticated_status_ok()
                await self.auth_communicator.send_message(EchoMessage(payload=...))
                assert await self.auth_communicator.receive_all_messages() == [...]

    Every communicator made with :meth:`create_communicator` (including
    :attr:`auth_communicator`) is disconnected after the test, even when it fails.

    :meth:`get_ws_headers` runs in :meth:`setUp`, so create what the headers need
    (users, tokens) in ``setUp`` before calling ``super().setUp()``: Django never runs
    ``asyncSetUp`` on a ``TransactionTestCase``. A refused handshake fails the test where
    it connects, naming the close code and the usual causes.
    """

    ws_path: ClassVar[str]
    """Path of the endpoint under test, e.g. ``"/ws/chat/lobby/"``. Required."""

    router: Any = None
    """The ASGI application to connect to; left None, :meth:`setUp` sets it to the
    ``"websocket"`` entry of the project's ``ASGI_APPLICATION``."""

    consumer: ClassVar[type[ChanxWebsocketConsumerMixin] | None] = None
    """Consumer class to assume when it cannot be found in the routing for a path."""

    ws_origin: ClassVar[OriginOption] = None
    """``Origin`` header of every communicator: None sends one ``ALLOWED_HOSTS`` accepts
    (``http://`` + its first host), a string sends that, False sends none."""

    ws_headers: list[tuple[bytes, bytes]]
    subprotocols: list[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in dir(cls):
            if not name.startswith("test"):
                continue
            method = getattr(cls, name)
            if inspect.iscoroutinefunction(method) and not getattr(method, _CLEANS_UP, False):
                setattr(cls, name, _disconnecting_afterwards(method))

    def get_ws_headers(self) -> list[tuple[bytes, bytes]]:
        """Headers of every communicator of the test (cookies, tokens...); override to set them."""
        return []

    def get_subprotocols(self) -> list[str]:
        """WebSocket subprotocols every communicator asks for; override to set them."""
        return []

    def setUp(self) -> None:
        """Find the router, read the headers and subprotocols, start tracking communicators."""
        super().setUp()
        if self.router is None:
            self.router = get_websocket_application()
        self.ws_headers = self.get_ws_headers()
        self.subprotocols = self.get_subprotocols()
        self._communicators: list[WebsocketCommunicator] = []
        self._auth_communicator: DjangoWebsocketCommunicator | None = None

    def tearDown(self) -> None:
        """Disconnect the communicators the test left open, then forget them.

        Those of ``async def`` tests were already disconnected in the test's own event
        loop; this reaches communicators a sync test keeps running.
        """
        try:
            if self._communicators:
                async_to_sync(self._shutdown_communicators)(raise_errors=True)
        finally:
            self._communicators = []
            self._auth_communicator = None
            super().tearDown()

    @property
    def auth_communicator(self) -> DjangoWebsocketCommunicator:
        """The test's main communicator, connected: made by :meth:`create_communicator` on first
        use, it opens its connection on the first send or receive (a property cannot await),
        so ``await self.auth_communicator.assert_authenticated_status_ok()`` is enough.
        An explicit ``await self.auth_communicator.connect()`` still works and returns the
        handshake result.
        """
        if self._auth_communicator is None:
            self._auth_communicator = self.create_communicator()
            self._auth_communicator.auto_connect = True
        return self._auth_communicator

    def create_communicator(
        self,
        *,
        router: Any | None = None,
        ws_path: str | None = None,
        headers: list[tuple[bytes, bytes]] | None = None,
        subprotocols: list[str] | None = None,
        origin: OriginOption = None,
    ) -> DjangoWebsocketCommunicator:
        """A new communicator, disconnected automatically after the test.

        Each argument defaults to the test's own (:attr:`router`, :attr:`ws_path`,
        :meth:`get_ws_headers`, :meth:`get_subprotocols`, :attr:`ws_origin`); pass other
        ``headers`` to connect as another user. Raises ``AttributeError`` when no
        ``ws_path`` is set.
        """
        path = ws_path if ws_path is not None else self._ws_path()
        application = router if router is not None else self._application()
        consumer = find_consumer(application, path) or self.consumer
        if consumer is None:
            raise LookupError(
                f"{type(self).__qualname__}: the routing sends {path!r} to no chanx consumer "
                "that could be found; check the path, or set `consumer = MyConsumer` on the "
                "test case if a middleware hides the routing."
            )
        communicator = DjangoWebsocketCommunicator(
            application,
            path,
            headers=self.ws_headers if headers is None else headers,
            subprotocols=self.subprotocols if subprotocols is None else subprotocols,
            consumer=consumer,
            origin=self.ws_origin if origin is None else origin,
        )
        self._communicators.append(communicator)
        return communicator

    def _ws_path(self) -> str:
        path: str | None = getattr(self, "ws_path", None)
        if not path:
            raise AttributeError(
                f'{type(self).__qualname__} has no ws_path: set `ws_path = "/ws/..."` on '
                "the test case or pass ws_path= to create_communicator()."
            )
        return path

    def _application(self) -> Any:
        application = self.router
        if application is None:
            raise LookupError(
                f"{type(self).__qualname__}: no WebSocket application to test. Point "
                "ASGI_APPLICATION at a ProtocolTypeRouter with a 'websocket' entry, or set "
                "`router` on the test case."
            )
        return application

    async def _shutdown_communicators(self, *, raise_errors: bool) -> None:
        communicators, self._communicators = self._communicators, []
        error = await shutdown_all(list(communicators))
        if error is not None and raise_errors:
            raise error


__all__ = ["WebsocketTestCase"]
