"""WebsocketTestCase: routing discovery, communicator defaults, and cleanup that always runs."""

from __future__ import annotations

import unittest
from typing import Any

import pytest
from channels.layers import get_channel_layer

from chanx.channels.utils.asgi import get_websocket_application
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage
from chanx.testing import DjangoWebsocketCommunicator, WebsocketTestCase
from tests.project.consumers import EchoConsumer
from tests.project.messages import EchoMessage, EchoReply, TextPayload
from tests.testing import consumers as probes


class EchoTestCase(WebsocketTestCase):
    """Tests run by pytest the way a project would write them."""

    ws_path = "/ws/rooms/tc/"

    def get_ws_headers(self) -> list[tuple[bytes, bytes]]:
        return [(b"x-test", b"1")]

    def get_subprotocols(self) -> list[str]:
        return ["chanx.test"]

    def test_router_is_the_projects_websocket_application(self) -> None:
        assert self.router is get_websocket_application()

    def test_communicator_defaults_come_from_the_test_case(self) -> None:
        ws = self.create_communicator()
        assert isinstance(ws, DjangoWebsocketCommunicator)
        assert ws.consumer is EchoConsumer
        assert ws.scope["path"] == "/ws/rooms/tc/"
        assert ws.scope["headers"] == [(b"x-test", b"1")]
        assert ws.scope["subprotocols"] == ["chanx.test"]

    def test_create_communicator_arguments_override_the_defaults(self) -> None:
        ws = self.create_communicator(
            router=probes.router, ws_path="/ws/guarded/", headers=[], subprotocols=["other"]
        )
        assert ws.consumer is probes.GuardedConsumer
        assert ws.application is not None and ws.scope["path"] == "/ws/guarded/"
        assert ws.scope["headers"] == [] and ws.scope["subprotocols"] == ["other"]

    def test_auth_communicator_is_created_once_per_test(self) -> None:
        assert self.auth_communicator is self.auth_communicator
        assert self.auth_communicator is not self.create_communicator()

    async def test_auth_communicator_talks_to_the_consumer_through_middleware(self) -> None:
        connected, _ = await self.auth_communicator.connect()
        assert connected
        assert await self.auth_communicator.wait_for_auth() is None  # no authenticator
        await self.auth_communicator.send_message(EchoMessage(payload=TextPayload(text="tc")))
        assert await self.auth_communicator.receive_all_messages() == [
            EchoReply(payload=TextPayload(text="tc"))
        ]

    async def test_auth_communicator_is_connected_without_an_explicit_connect(self) -> None:
        await self.auth_communicator.send_message(EchoMessage(payload=TextPayload(text="auto")))
        assert await self.auth_communicator.receive_all_messages() == [
            EchoReply(payload=TextPayload(text="auto"))
        ]
        connected, _ = await self.auth_communicator.connect()
        assert connected, "a second connect must return the first handshake's result"

    async def test_second_user_gets_its_own_connection(self) -> None:
        first = self.auth_communicator
        second = self.create_communicator()
        await first.connect()
        await second.connect()
        await second.send_message(PingMessage())
        assert await second.receive_all_messages() == [PongMessage()]
        assert await first.receive_nothing(0.1)

    async def test_nested_router_paths_find_their_consumer(self) -> None:
        ws = self.create_communicator(router=probes.router, ws_path="/ws/nested/echo/")
        assert ws.consumer is EchoConsumer
        await ws.connect()
        await ws.send_message(PingMessage())
        assert await ws.receive_all_messages() == [PongMessage()]


def run_case(case: type[unittest.TestCase]) -> unittest.TestResult:
    result = unittest.TestResult()
    unittest.defaultTestLoader.loadTestsFromTestCase(case).run(result)
    return result


@pytest.fixture
def disconnects() -> list[tuple[str, int]]:
    probes.RecordingConsumer.disconnects.clear()
    return probes.RecordingConsumer.disconnects


@pytest.mark.django_db(transaction=True)
def test_communicator_left_open_by_a_failing_test_is_disconnected(
    disconnects: list[tuple[str, int]],
) -> None:
    channels: list[str] = []

    class LeavesItOpen(WebsocketTestCase):
        router = probes.router
        ws_path = "/ws/recording/"

        async def test_fails_while_connected(self) -> None:
            await self.auth_communicator.connect()
            await self.auth_communicator.send_to(text_data='{"action": "whoami"}')
            [reply] = await self.auth_communicator.receive_all_json()
            channels.append(reply["payload"]["channel"])
            raise AssertionError("the test fails with the connection open")

    result = run_case(LeavesItOpen)
    assert len(result.failures) == 1 and not result.errors
    assert "the test fails with the connection open" in result.failures[0][1]
    # The consumer saw a real disconnect (not a cancellation) and left its group.
    assert disconnects == [(channels[0], 1000)]
    layer: Any = get_channel_layer()
    assert channels[0] not in layer.groups.get("room_lobby", {})


@pytest.mark.django_db(transaction=True)
def test_every_communicator_of_a_passing_test_is_disconnected(
    disconnects: list[tuple[str, int]],
) -> None:
    class OpensThree(WebsocketTestCase):
        router = probes.router
        ws_path = "/ws/recording/"

        async def test_three_connections(self) -> None:
            for _ in range(3):
                await self.create_communicator().connect()
            self.create_communicator()  # never connected: nothing to disconnect

    result = run_case(OpensThree)
    assert result.wasSuccessful(), result.failures + result.errors
    assert [code for _, code in disconnects] == [1000, 1000, 1000]


@pytest.mark.django_db(transaction=True)
def test_cleanup_covers_async_tests_inherited_from_a_mixin(
    disconnects: list[tuple[str, int]],
) -> None:
    class Scenario:
        async def test_from_mixin(self: Any) -> None:
            await self.create_communicator().connect()
            raise AssertionError("fails")

    class UsesMixin(Scenario, WebsocketTestCase):
        router = probes.router
        ws_path = "/ws/recording/"

    result = run_case(UsesMixin)
    assert len(result.failures) == 1
    assert [code for _, code in disconnects] == [1000]


@pytest.mark.django_db(transaction=True)
def test_consumer_error_during_cleanup_fails_an_otherwise_passing_test() -> None:
    class BrokenDisconnect(probes.RecordingConsumer):
        async def disconnect(self, code: int) -> None:
            raise RuntimeError("disconnect blew up")

    class Case(WebsocketTestCase):
        router = probes.router
        ws_path = "/ws/recording/"
        consumer = BrokenDisconnect

        async def test_passes(self) -> None:
            ws = self.create_communicator(router=BrokenDisconnect.as_asgi(), ws_path="/")
            await ws.connect()

    result = run_case(Case)
    assert len(result.errors) == 1
    assert "disconnect blew up" in result.errors[0][1]


@pytest.mark.django_db(transaction=True)
def test_missing_ws_path_raises_attribute_error_that_says_to_set_it() -> None:
    class NoPath(WebsocketTestCase):
        def test_needs_a_path(self) -> None:
            self.create_communicator()

    result = run_case(NoPath)
    [(_, traceback)] = result.errors
    assert "AttributeError: " in traceback
    assert 'NoPath has no ws_path: set `ws_path = "/ws/..."` on the test case' in traceback


@pytest.mark.django_db(transaction=True)
def test_path_without_a_chanx_consumer_raises_lookup_error_naming_the_path() -> None:
    class UnknownPath(WebsocketTestCase):
        ws_path = "/ws/nowhere/"

        def test_unknown(self) -> None:
            self.create_communicator()

    result = run_case(UnknownPath)
    [(_, traceback)] = result.errors
    assert "the routing sends '/ws/nowhere/' to no chanx consumer" in traceback


@pytest.mark.django_db(transaction=True)
def test_explicit_consumer_is_used_when_the_routing_hides_it() -> None:
    seen: list[type] = []

    class Opaque:
        """A middleware that keeps its inner application under a private name."""

        def __init__(self, app: Any) -> None:
            self._app = app

        async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
            return await self._app(scope, receive, send)

    class Hidden(WebsocketTestCase):
        router = Opaque(probes.router)
        ws_path = "/ws/recording/"
        consumer = probes.RecordingConsumer

        async def test_hidden(self) -> None:
            seen.append(self.auth_communicator.consumer)
            await self.auth_communicator.connect()
            await self.auth_communicator.send_message(PingMessage())
            assert await self.auth_communicator.receive_all_messages() == [PongMessage()]

    result = run_case(Hidden)
    assert result.wasSuccessful(), result.failures + result.errors
    assert seen == [probes.RecordingConsumer]
