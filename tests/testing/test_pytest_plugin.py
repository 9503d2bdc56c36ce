"""The opt-in pytest plugin: the ws_connect fixture connects, refuses and cleans up."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from channels.security.websocket import OriginValidator

from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage
from chanx.testing.connector import WebsocketConnector
from tests.project.consumers import EchoConsumer
from tests.testing import consumers as probes

pytest_plugins = ["chanx.testing.pytest_plugin"]

pytestmark = pytest.mark.django_db(transaction=True)

GOOD = [(b"x-token", b"good")]


async def test_ws_connect_connects_to_the_projects_routing(ws_connect: WebsocketConnector) -> None:
    ws = await ws_connect("/ws/echo/")
    assert ws.consumer is EchoConsumer
    await ws.send_message(PingMessage())
    assert await ws.receive_all_messages() == [PongMessage()]


async def test_ws_connect_accepts_an_explicit_application_and_headers(
    ws_connect: WebsocketConnector,
) -> None:
    ws = await ws_connect("/ws/guarded/", application=probes.router, headers=GOOD)
    assert ws.consumer is probes.GuardedConsumer
    await ws.assert_authenticated_status_ok()


async def test_ws_connect_fails_when_the_handshake_is_refused(
    ws_connect: WebsocketConnector,
) -> None:
    # An origin check denies the connection before any consumer runs.
    guarded = OriginValidator(probes.router, ["https://ok.example"])
    with pytest.raises(AssertionError, match=r"handshake to '/ws/guarded/' was refused"):
        await ws_connect(
            "/ws/guarded/", application=guarded, headers=[(b"origin", b"http://evil.example")]
        )


async def test_refused_asserts_the_status_and_the_close_code(
    ws_connect: WebsocketConnector,
) -> None:
    message = await ws_connect.refused("/ws/guarded/", 401, application=probes.router)
    assert message is not None and message.payload.status_text == "Unauthorized"
    await ws_connect.refused(
        "/ws/guarded/",
        403,
        close_code=4403,
        application=probes.router,
        headers=[(b"x-token", b"broken")],
    )


async def test_refused_fails_for_an_admitted_connection(ws_connect: WebsocketConnector) -> None:
    with pytest.raises(AssertionError, match="refused with 401, but authentication answered 200"):
        await ws_connect.refused("/ws/guarded/", 401, application=probes.router, headers=GOOD)


async def test_unknown_path_raises_lookup_error(ws_connect: WebsocketConnector) -> None:
    with pytest.raises(LookupError, match="'/ws/nowhere/' to no chanx consumer"):
        ws_connect.communicator("/ws/nowhere/")


@pytest_asyncio.fixture
async def recorded_connector() -> AsyncIterator[WebsocketConnector]:
    probes.RecordingConsumer.disconnects.clear()
    connector = WebsocketConnector()
    yield connector
    await connector.disconnect_all()


async def test_disconnect_all_disconnects_every_open_connection_once(
    recorded_connector: WebsocketConnector,
) -> None:
    first = await recorded_connector("/ws/recording/", application=probes.router)
    await recorded_connector("/ws/recording/", application=probes.router)
    recorded_connector.communicator("/ws/recording/", application=probes.router)  # never used
    await first.disconnect(code=4001)
    await recorded_connector.disconnect_all()
    await recorded_connector.disconnect_all()
    assert [code for _, code in probes.RecordingConsumer.disconnects] == [4001, 1000]
    assert recorded_connector.communicators == []
