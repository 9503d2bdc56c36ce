"""The handshake through Channels' AllowedHostsOriginValidator: a default Origin, clear refusals."""

from __future__ import annotations

from typing import Any

import pytest
from channels.security.websocket import AllowedHostsOriginValidator
from django.test import override_settings

from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage
from chanx.testing import WebsocketCommunicator, WebsocketTestCase
from chanx.testing.connector import WebsocketConnector
from chanx.testing.handshake import HandshakeRefused, default_origin
from tests.project.consumers import EchoConsumer
from tests.project.messages import EchoMessage, EchoReply, TextPayload
from tests.project.routing import router

pytest_plugins = ["chanx.testing.pytest_plugin"]

HOSTS = ["chat.example.com", "api.example.com"]


def origin_checked() -> Any:
    """The test routing behind the validator, built as asgi.py would under ``HOSTS``."""
    with override_settings(ALLOWED_HOSTS=HOSTS):
        return AllowedHostsOriginValidator(router)


def origins(ws: WebsocketCommunicator) -> list[bytes]:
    return [value for name, value in ws.scope["headers"] if name == b"origin"]


@pytest.mark.parametrize(
    ("allowed_hosts", "expected"),
    [
        (["chat.example.com", "localhost"], "http://chat.example.com"),
        ([".example.com"], "http://example.com"),
        (["*", "testserver"], "http://testserver"),
        (["*"], "http://localhost"),
        ([], "http://localhost"),
    ],
)
def test_default_origin_is_the_first_usable_allowed_host(
    allowed_hosts: list[str], expected: str
) -> None:
    with override_settings(ALLOWED_HOSTS=allowed_hosts):
        assert default_origin() == expected


@override_settings(ALLOWED_HOSTS=HOSTS)
async def test_default_origin_passes_allowed_hosts_origin_validator() -> None:
    ws = WebsocketCommunicator(origin_checked(), "/ws/echo/", consumer=EchoConsumer)
    assert await ws.connect() == (True, None)
    assert origins(ws) == [b"http://chat.example.com"]
    await ws.send_message(EchoMessage(payload=TextPayload(text="through")))
    assert await ws.receive_all_messages() == [EchoReply(payload=TextPayload(text="through"))]
    await ws.disconnect()


@override_settings(ALLOWED_HOSTS=HOSTS)
async def test_origin_argument_and_callers_origin_header_are_sent_as_given() -> None:
    chosen = WebsocketCommunicator(
        origin_checked(), "/ws/echo/", consumer=EchoConsumer, origin="https://api.example.com"
    )
    assert await chosen.connect() == (True, None)
    assert origins(chosen) == [b"https://api.example.com"]
    await chosen.disconnect()

    headers = [(b"origin", b"https://api.example.com")]
    given = WebsocketCommunicator(origin_checked(), "/ws/echo/", headers, consumer=EchoConsumer)
    assert await given.connect() == (True, None)
    assert origins(given) == [b"https://api.example.com"], "no second Origin may be added"
    assert headers == [(b"origin", b"https://api.example.com")], "the caller's list is untouched"
    await given.disconnect()


@override_settings(ALLOWED_HOSTS=HOSTS)
async def test_refused_handshake_fails_at_connect_naming_code_and_causes() -> None:
    ws = WebsocketCommunicator(origin_checked(), "/ws/echo/", consumer=EchoConsumer, origin=False)
    with pytest.raises(HandshakeRefused) as refused:
        await ws.connect()
    assert refused.value.code == 1000
    message = str(refused.value)
    assert "'/ws/echo/' was refused (close code 1000)" in message
    assert "origin check: this communicator sent no Origin header" in message
    assert "ALLOWED_HOSTS" in message and "4401" in message and "404" in message
    assert message.index("origin check") < message.index("authentication")


@override_settings(ALLOWED_HOSTS=HOSTS)
async def test_allow_refused_returns_the_close_code_as_channels_does() -> None:
    ws = WebsocketCommunicator(
        origin_checked(), "/ws/echo/", consumer=EchoConsumer, origin="https://evil.example"
    )
    assert await ws.connect(allow_refused=True) == (False, 1000)


async def test_unknown_path_fails_at_connect_saying_no_route() -> None:
    ws = WebsocketCommunicator(router, "/ws/nowhere/", consumer=EchoConsumer)
    with pytest.raises(
        AssertionError, match=r"'/ws/nowhere/' found no route \(a server answers 404\)"
    ):
        await ws.connect()


@pytest.mark.django_db(transaction=True)
@override_settings(ALLOWED_HOSTS=HOSTS)
async def test_ws_connect_passes_the_origin_check(ws_connect: WebsocketConnector) -> None:
    ws = await ws_connect("/ws/echo/", application=origin_checked())
    await ws.send_message(PingMessage())
    assert await ws.receive_all_messages() == [PongMessage()]


@override_settings(ALLOWED_HOSTS=HOSTS)
class OriginCheckedTestCase(WebsocketTestCase):
    """A WebsocketTestCase against an asgi.py that checks origins, as deployment.md has it."""

    ws_path = "/ws/echo/"

    def setUp(self) -> None:
        self.router = origin_checked()
        super().setUp()

    async def test_auth_communicator_passes_the_origin_check(self) -> None:
        await self.auth_communicator.send_message(EchoMessage(payload=TextPayload(text="ok")))
        assert await self.auth_communicator.receive_all_messages() == [
            EchoReply(payload=TextPayload(text="ok"))
        ]


@override_settings(ALLOWED_HOSTS=HOSTS)
class ForeignOriginTestCase(WebsocketTestCase):
    """``ws_origin`` overrides the default; a refusal fails where the test connects."""

    ws_path = "/ws/echo/"
    ws_origin = "https://evil.example"

    def setUp(self) -> None:
        self.router = origin_checked()
        super().setUp()

    async def test_refusal_is_reported_at_the_first_use_not_as_a_missing_frame(self) -> None:
        with pytest.raises(HandshakeRefused, match=r"close code 1000") as refused:
            await self.auth_communicator.send_message(EchoMessage(payload=TextPayload(text="x")))
        assert "Origin: https://evil.example" in str(refused.value)
        assert "no 'complete' frame" not in str(refused.value)

    async def test_explicit_connect_fails_the_same_way(self) -> None:
        with pytest.raises(HandshakeRefused):
            await self.auth_communicator.connect()
        other = self.create_communicator(origin="http://api.example.com")
        assert await other.connect() == (True, None)
