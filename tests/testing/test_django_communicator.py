"""DjangoWebsocketCommunicator: the authentication handshake, admitted and refused."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from django.test import override_settings

from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import AuthenticationMessage, AuthenticationPayload, PongMessage
from chanx.testing import DjangoWebsocketCommunicator
from tests.project.consumers import EchoConsumer
from tests.project.messages import Notification, NotifyEvent, TextPayload
from tests.project.routing import router as project_router
from tests.testing import consumers as probes
from tests.waiting import DEADLINE

pytestmark = pytest.mark.django_db(transaction=True)


async def guarded(token: bytes | None) -> DjangoWebsocketCommunicator:
    headers = [] if token is None else [(b"x-token", token)]
    ws = DjangoWebsocketCommunicator(
        probes.router, "/ws/guarded/", headers, consumer=probes.GuardedConsumer
    )
    connected, _ = await ws.connect()
    assert connected
    return ws


async def test_wait_for_auth_returns_the_typed_authentication_message() -> None:
    ws = await guarded(b"good")
    assert await ws.wait_for_auth() == AuthenticationMessage(
        payload=AuthenticationPayload(status_code=200, status_text="OK", data={"user": "ada"})
    )
    await ws.send_message(PingMessage())
    assert await ws.receive_all_messages() == [PongMessage()]
    await ws.disconnect()


async def test_wait_for_auth_returns_none_and_reads_nothing_when_the_setting_is_off() -> None:
    with override_settings(CHANX={"SEND_COMPLETION": True, "SEND_AUTHENTICATION_MESSAGE": False}):
        ws = await guarded(b"good")
        assert await ws.wait_for_auth() is None
        await ws.send_message(PingMessage())
        assert await ws.receive_all_messages() == [PongMessage()]
        await ws.disconnect()


async def test_wait_for_auth_argument_overrides_the_setting() -> None:
    ws = await guarded(b"good")
    assert await ws.wait_for_auth(send_authentication_message=False) is None
    # The message was left unread: it comes before the reply to a frame sent now.
    await ws.send_message(PingMessage())
    message, pong = await ws.receive_all_messages()
    assert isinstance(message, AuthenticationMessage)
    assert pong == PongMessage()
    await ws.disconnect()


async def test_wait_for_auth_returns_none_for_a_consumer_without_authenticator() -> None:
    ws = DjangoWebsocketCommunicator(project_router, "/ws/echo/", consumer=EchoConsumer)
    await ws.connect()
    assert await ws.wait_for_auth(max_auth_time=0.1) is None
    await ws.disconnect()


async def test_wait_for_auth_decodes_camelized_payloads() -> None:
    with override_settings(CHANX={"SEND_COMPLETION": True, "CAMELIZE": True}):
        ws = await guarded(b"good")
        message = await ws.wait_for_auth()
        assert message is not None
        assert message.payload.status_code == 200
        await ws.disconnect()


async def test_wait_for_auth_fails_when_no_message_arrives_in_time() -> None:
    ws = DjangoWebsocketCommunicator(
        probes.router, "/ws/guarded/", [(b"x-token", b"good")], consumer=probes.GuardedConsumer
    )
    # Never connected: the consumer has not even started, so nothing can arrive.
    with pytest.raises(AssertionError, match=r"no authentication message within 0\.1s"):
        await ws.wait_for_auth(max_auth_time=0.1)


async def test_wait_for_auth_fails_when_another_frame_comes_first() -> None:
    ws = await guarded(b"good")
    await ws.wait_for_auth()
    await ws.send_message(PingMessage())
    with pytest.raises(
        AssertionError, match=r'expected an authentication message first, got \{"action":"pong"'
    ):
        await ws.wait_for_auth(max_auth_time=0.5, after_auth_time=0)
    await ws.disconnect()


@pytest.fixture
def gate() -> Iterator[asyncio.Event]:
    """Holds LateGroupConsumer's post_authentication until the test sets it."""
    probes.LateGroupConsumer.gate = opened = asyncio.Event()
    yield opened
    probes.LateGroupConsumer.gate = None


async def late_joiner() -> DjangoWebsocketCommunicator:
    ws = DjangoWebsocketCommunicator(
        probes.router, "/ws/late/", [(b"x-token", b"good")], consumer=probes.LateGroupConsumer
    )
    connected, _ = await ws.connect()
    assert connected
    return ws


async def test_wait_for_auth_returns_once_post_authentication_groups_are_joined(
    gate: asyncio.Event,
) -> None:
    ws = await late_joiner()
    waiting = asyncio.ensure_future(ws.wait_for_auth(after_auth_time=DEADLINE))
    done, _ = await asyncio.wait({waiting}, timeout=0.1)
    assert not done, "wait_for_auth returned while the consumer was still connecting"
    gate.set()
    message = await asyncio.wait_for(waiting, DEADLINE)
    assert message is not None and message.payload.status_code == 200
    # Joined: an event broadcast right now reaches the connection.
    notice = TextPayload(text="you are in")
    await probes.LateGroupConsumer.broadcast_event(NotifyEvent(payload=notice), "late")
    assert await ws.receive_all_messages(stop_action="event_complete") == [
        Notification(payload=notice)
    ]
    await ws.disconnect()


async def test_wait_for_auth_does_not_wait_for_a_connected_consumer() -> None:
    ws = await guarded(b"good")
    loop_time = asyncio.get_running_loop().time
    started = loop_time()
    assert await ws.wait_for_auth(after_auth_time=DEADLINE) is not None
    assert loop_time() - started < DEADLINE
    await ws.disconnect()


async def test_wait_for_auth_waits_at_most_after_auth_time(gate: asyncio.Event) -> None:
    ws = await late_joiner()
    loop_time = asyncio.get_running_loop().time
    started = loop_time()
    message = await ws.wait_for_auth(after_auth_time=0.2)
    waited = loop_time() - started
    assert message is not None and message.payload.status_code == 200
    assert 0.2 <= waited < DEADLINE
    gate.set()
    await ws.disconnect()


async def test_assert_authenticated_status_ok_passes_for_an_admitted_connection() -> None:
    ws = await guarded(b"good")
    await ws.assert_authenticated_status_ok()
    await ws.send_message(PingMessage())
    assert await ws.receive_all_messages() == [PongMessage()]
    await ws.disconnect()


async def test_assert_authenticated_status_ok_fails_with_the_refusal_status() -> None:
    ws = await guarded(b"broken")
    with pytest.raises(AssertionError, match=r"authentication failed: 403 Forbidden .*bad token"):
        await ws.assert_authenticated_status_ok()


async def test_assert_authenticated_status_ok_fails_when_no_status_is_sent() -> None:
    with override_settings(CHANX={"SEND_COMPLETION": True, "SEND_AUTHENTICATION_MESSAGE": False}):
        ws = await guarded(b"good")
        with pytest.raises(AssertionError, match="no authentication status to check"):
            await ws.assert_authenticated_status_ok()
        await ws.disconnect()


@pytest.mark.parametrize(("token", "status"), [(None, 401), (b"broken", 403)])
async def test_assert_refused_checks_status_and_close_code(
    token: bytes | None, status: int
) -> None:
    ws = await guarded(token)
    message = await ws.assert_refused(status)
    assert message is not None
    assert message.payload.status_code == status


async def test_assert_refused_returns_the_message_data() -> None:
    ws = await guarded(b"broken")
    message = await ws.assert_refused(403, close_code=4403)
    assert message is not None and message.payload.data == {"detail": "bad token"}


async def test_assert_refused_checks_only_the_close_code_without_auth_message() -> None:
    with override_settings(CHANX={"SEND_COMPLETION": True, "SEND_AUTHENTICATION_MESSAGE": False}):
        ws = await guarded(None)
        assert await ws.assert_refused(401) is None


async def test_assert_refused_fails_for_an_admitted_connection() -> None:
    ws = await guarded(b"good")
    with pytest.raises(
        AssertionError, match="refused with 403, but authentication answered 200 OK"
    ):
        await ws.assert_refused(403)
    await ws.disconnect()


async def test_assert_refused_fails_on_a_different_status() -> None:
    ws = await guarded(None)
    with pytest.raises(AssertionError, match="refused with 403, but authentication answered 401"):
        await ws.assert_refused(403)


async def test_assert_refused_fails_on_a_different_close_code() -> None:
    ws = await guarded(None)
    with pytest.raises(AssertionError, match="closed with code 4401, expected 4000"):
        await ws.assert_refused(401, close_code=4000)
