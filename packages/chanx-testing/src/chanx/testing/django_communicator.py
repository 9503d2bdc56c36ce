"""The communicator for Django consumers that authenticate their connections.

A chanx consumer with an ``authenticator_class`` accepts every connection, sends one
``authentication`` message (with ``SEND_AUTHENTICATION_MESSAGE``) and then either
goes on or closes with ``4000 + status_code``. :class:`DjangoWebsocketCommunicator`
reads that message and checks the outcome, honouring the ``CHANX`` settings.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from chanx.channels.authentication import is_success
from chanx.channels.runtime import current_runtime
from chanx.channels.settings import chanx_settings
from chanx.channels.websocket import AUTH_CLOSE_BASE, ConnectionState
from chanx.messages.outgoing import AuthenticationMessage
from chanx.testing.communicator import WebsocketCommunicator
from chanx.testing.outgoing import outgoing_codec

_CONNECTING_POLL = 0.005
"""Seconds between two looks at whether the consumer has finished connecting."""


class DjangoWebsocketCommunicator(WebsocketCommunicator):
    """:class:`~chanx.testing.WebsocketCommunicator` plus the authentication handshake.

    Typical use, right after connecting::

        await communicator.connect()
        await communicator.assert_authenticated_status_ok()

    or, for a connection that must be refused::

        await communicator.connect()
        await communicator.assert_refused(403)
    """

    def _expects_auth_message(self, send_authentication_message: bool | None) -> bool:
        if getattr(self.consumer, "authenticator_class", None) is None:
            return False
        if send_authentication_message is None:
            return chanx_settings.SEND_AUTHENTICATION_MESSAGE
        return send_authentication_message

    async def wait_for_auth(
        self,
        send_authentication_message: bool | None = None,
        max_auth_time: float = 0.5,
        after_auth_time: float = 0.1,
    ) -> AuthenticationMessage | None:
        """Read the consumer's ``authentication`` message and return it.

        Returns None, without reading anything, when no message is sent: with
        ``SEND_AUTHENTICATION_MESSAGE`` off (or ``send_authentication_message=False``)
        or for a consumer without ``authenticator_class``. Fails the test if the message
        does not arrive within ``max_auth_time`` seconds or another frame comes first.

        Then it waits, for at most ``after_auth_time`` seconds, until the consumer has
        finished connecting: :meth:`post_authentication` has returned and the groups it
        added are joined, so an event broadcast right after reaches this connection. It
        returns as soon as that is so, not after a fixed delay; ``after_auth_time=0``
        does not wait.
        """
        message: AuthenticationMessage | None = None
        if self._expects_auth_message(send_authentication_message):
            output = await self._next_output(max_auth_time)
            assert output is not None, (
                f"no authentication message within {max_auth_time}s: does "
                f"{self.consumer.__qualname__} authenticate, and did the test connect?"
            )
            assert output["type"] == "websocket.send" and "text" in output, (
                f"expected an authentication message, but the consumer sent {output!r}"
            )
            options = self.options
            codec = outgoing_codec(self.consumer, options.action_key, options.camelize)
            decoded = self._decode(codec, output["text"])
            assert isinstance(decoded, AuthenticationMessage), (
                f"expected an authentication message first, got {output['text']}"
            )
            message = decoded
        if after_auth_time > 0:
            await self._until_connected(after_auth_time)
        return message

    async def _until_connected(self, limit: float) -> None:
        """Wait until no connection to this consumer class is still connecting, or ``limit``.

        The consumer lives in the application the communicator runs, out of its reach;
        the connections this event loop serves are known to chanx's runtime, and a
        connection is ``CONNECTING`` until its groups are joined. The consumer announces
        that moment with no frame, so its state is looked at every few milliseconds.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        runtime = current_runtime()
        while self._connecting_consumers(runtime.connections):
            if self._future is not None and self._future.done():
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            await asyncio.sleep(min(_CONNECTING_POLL, remaining))

    def _connecting_consumers(self, connections: Iterable[object]) -> bool:
        return any(
            isinstance(connection, self.consumer)
            and getattr(connection, "connection_state", None) is ConnectionState.CONNECTING
            for connection in connections
        )

    async def assert_authenticated_status_ok(self, max_auth_time: float = 0.5) -> None:
        """Assert the connection was admitted: its authentication status is 200 OK.

        Any 2xx status admits a connection in chanx, so any 2xx passes. Fails when no
        authentication message is sent at all, since there is nothing to check then.
        """
        message = await self.wait_for_auth(max_auth_time=max_auth_time)
        assert message is not None, (
            f"no authentication status to check: {self.consumer.__qualname__} sends no "
            "authentication message (SEND_AUTHENTICATION_MESSAGE is off or the consumer "
            "has no authenticator_class)"
        )
        outcome = message.payload
        assert is_success(outcome), (
            f"authentication failed: {outcome.status_code} {outcome.status_text} "
            f"(data: {outcome.data!r})"
        )

    async def assert_refused(
        self, status_code: int, *, close_code: int | None = None, max_auth_time: float = 0.5
    ) -> AuthenticationMessage | None:
        """Assert authentication refused the connection with ``status_code``; return the message.

        Checks the ``authentication`` message (when one is sent) carries ``status_code``,
        then that the consumer closed with ``close_code`` (default ``4000 + status_code``,
        e.g. 4401, 4403). The message is returned so a test can check its ``data``.
        """
        message = await self.wait_for_auth(max_auth_time=max_auth_time, after_auth_time=0)
        if message is not None:
            outcome = message.payload
            assert outcome.status_code == status_code, (
                f"expected the connection to be refused with {status_code}, but authentication "
                f"answered {outcome.status_code} {outcome.status_text}"
            )
        await self.assert_closed(
            AUTH_CLOSE_BASE + status_code if close_code is None else close_code,
            timeout=max_auth_time,
        )
        return message


__all__ = ["DjangoWebsocketCommunicator"]
