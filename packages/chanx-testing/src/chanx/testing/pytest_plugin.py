"""Opt-in pytest fixtures for chanx consumers.

Enable it in your root ``conftest.py`` (needs pytest-asyncio and pytest-django)::

    pytest_plugins = ["chanx.testing.pytest_plugin"]

then connect with the ``ws_connect`` fixture (a
:class:`~chanx.testing.connector.WebsocketConnector`); every connection it opened is
disconnected when the test ends, pass or fail::

    @pytest.mark.django_db(transaction=True)
    async def test_echo(ws_connect):
        ws = await ws_connect("/ws/echo/")
        await ws.send_message(EchoMessage(payload=TextPayload(text="hi")))
        assert await ws.receive_all_messages() == [EchoReply(payload=TextPayload(text="hi"))]

    async def test_anonymous_is_refused(ws_connect):
        auth = await ws_connect.refused("/ws/private/", status_code=401)  # closes with 4401
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from chanx.testing.connector import WebsocketConnector


@pytest_asyncio.fixture
async def ws_connect() -> AsyncIterator[WebsocketConnector]:
    """Open WebSocket connections in a test; all are disconnected when it ends."""
    connector = WebsocketConnector()
    try:
        yield connector
    finally:
        await connector.disconnect_all()


__all__ = ["ws_connect"]
