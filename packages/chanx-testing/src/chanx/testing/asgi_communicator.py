"""Channels' WebSocket test communicator, without what ``channels.testing`` drags in.

``channels.testing`` imports its live-server test case in ``__init__``, and with it
daphne, Twisted and cryptography; importing ``channels.testing.websocket`` alone runs
that ``__init__`` too. :class:`AsgiWebsocketCommunicator` is the same small class built
on asgiref's ``ApplicationCommunicator``, so testing a consumer needs no server at all.
Its methods behave as Channels' ``WebsocketCommunicator`` ones do.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock
from urllib.parse import unquote, urlparse

from asgiref.testing import ApplicationCommunicator


def _keep_connections_open() -> None:
    """Stands in for ``close_old_connections`` while the test talks to the consumer."""


@contextmanager
def _test_database_connections() -> Iterator[None]:
    # As Channels' own test communicator does: a consumer's database_sync_to_async would
    # close "old" connections, which in a test are the test's own (its transaction,
    # its in-memory database).
    with mock.patch("channels.db.close_old_connections", _keep_connections_open):
        yield


class AsgiWebsocketCommunicator(ApplicationCommunicator):
    """Runs a WebSocket ASGI application in-process, as Channels' communicator does.

    It builds the ``websocket`` scope from ``path``, ``headers`` and ``subprotocols``;
    :meth:`connect` returns ``(True, subprotocol)`` or ``(False, close_code)``.
    """

    def __init__(
        self,
        application: Any,
        path: str,
        headers: list[tuple[bytes, bytes]] | None = None,
        subprotocols: list[str] | None = None,
        spec_version: int | None = None,
    ) -> None:
        if not isinstance(path, str):
            raise TypeError(f"Expected str, got {type(path)}")
        parsed = urlparse(path)
        scope: dict[str, Any] = {
            "type": "websocket",
            "path": unquote(parsed.path),
            "query_string": parsed.query.encode("utf-8"),
            "headers": headers or [],
            "subprotocols": subprotocols or [],
        }
        if spec_version:
            scope["spec_version"] = spec_version
        super().__init__(application, scope)
        self.scope: dict[str, Any] = scope
        self.response_headers: list[tuple[bytes, bytes]] | None = None

    async def send_input(self, message: dict[str, Any]) -> None:
        """Send an ASGI message to the application."""
        with _test_database_connections():
            await super().send_input(message)

    async def receive_output(self, timeout: float = 1) -> dict[str, Any]:
        """The application's next ASGI message; a timeout cancels the application."""
        with _test_database_connections():
            output: dict[str, Any] = await super().receive_output(timeout)
        return output

    async def connect(self, timeout: float = 1) -> tuple[bool, Any]:
        """Run the handshake: ``(True, subprotocol)`` if accepted, else ``(False, code)``."""
        await self.send_input({"type": "websocket.connect"})
        response = await self.receive_output(timeout)
        if response["type"] == "websocket.close":
            return (False, response.get("code", 1000))
        assert response["type"] == "websocket.accept", f"unexpected handshake reply {response!r}"
        self.response_headers = response.get("headers", [])
        return (True, response.get("subprotocol"))

    async def send_to(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Send one frame: exactly one of ``text_data`` or ``bytes_data``."""
        assert bool(text_data) != bool(bytes_data), (
            "You must supply exactly one of text_data or bytes_data"
        )
        if text_data:
            assert isinstance(text_data, str), "The text_data argument must be a str"
            await self.send_input({"type": "websocket.receive", "text": text_data})
        else:
            assert isinstance(bytes_data, bytes), "The bytes_data argument must be bytes"
            await self.send_input({"type": "websocket.receive", "bytes": bytes_data})

    async def send_json_to(self, data: Any) -> None:
        """Send ``data`` as a JSON text frame."""
        await self.send_to(text_data=json.dumps(data))

    async def receive_from(self, timeout: float = 1) -> str | bytes:
        """The next frame's text or bytes; fails if the application sends anything else."""
        response = await self.receive_output(timeout)
        assert response["type"] == "websocket.send", (
            f"Expected type 'websocket.send', but was '{response['type']}'"
        )
        assert ("text" in response) != ("bytes" in response), (
            "The response needs exactly one of 'text' or 'bytes'"
        )
        if "text" in response:
            text = response["text"]
            assert isinstance(text, str), f"Text frame payload is not str, it is {type(text)}"
            return text
        data = response["bytes"]
        assert isinstance(data, bytes), f"Binary frame payload is not bytes, it is {type(data)}"
        return data

    async def receive_json_from(self, timeout: float = 1) -> Any:
        """The next frame, which must be text, decoded as JSON."""
        payload = await self.receive_from(timeout)
        assert isinstance(payload, str), f"JSON data is not a text frame, it is {type(payload)}"
        return json.loads(payload)

    async def disconnect(self, code: int = 1000, timeout: float = 1) -> None:
        """Close the socket and wait for the application to finish."""
        await self.send_input({"type": "websocket.disconnect", "code": code})
        await self.wait(timeout)


__all__ = ["AsgiWebsocketCommunicator"]
