"""ChanxClient against a real `websockets` server speaking chanx's wire contract.

The server (tests/client/wire_server.py) runs on its own loop in a thread, so what is left
on the test's loop after ``close()`` is the client's.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from pydantic import ValidationError

from chanx.client import (
    AuthenticationRefused,
    ChanxClient,
    ClientClosed,
    ClientState,
    ConnectionClosedByServer,
    ConnectionLost,
    NoReply,
    ReconnectPolicy,
    RequestTimeout,
    ServerError,
    StateChange,
    SubscriptionRefused,
    UnexpectedReply,
)
from tests.client.models import (
    ROOM_ADAPTER,
    Command,
    EchoMessage,
    EchoReply,
    EchoTwiceMessage,
    Notice,
    Said,
    SayMessage,
    Text,
    Welcome,
    WireClient,
)
from tests.client.wire_server import GOOD_TOKEN, wire_server
from tests.waiting import await_until

FAST = ReconnectPolicy(initial=0.02, maximum=0.2)


def leftover_tasks() -> set[asyncio.Task[Any]]:
    """Tasks of this loop still running, other than the test's own."""
    return {t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()}


def echo(text: str) -> EchoMessage:
    return EchoMessage(payload=Text(text=text))


async def next_message(iterator: Any, timeout: float = 5) -> Any:
    return await asyncio.wait_for(iterator.__anext__(), timeout)


async def test_send_and_iterate_typed_messages() -> None:
    async with wire_server() as server, WireClient(server.url) as client:
        await client.send(echo("hello"))
        message = await next_message(client.messages())
        assert isinstance(message, EchoReply)
        assert message.payload.text == "hello"
        assert server.frames == [{"action": "echo", "payload": {"text": "hello"}}]


async def test_request_returns_the_reply_carrying_its_ref() -> None:
    async with wire_server() as server, WireClient(server.url) as client:
        # A push arriving while the request waits goes to the iterator, not to the request.
        await client.send(Command(action="push", payload={"n": 1}))
        reply = await client.request(echo("one"), expect=EchoReply)
        assert reply.payload.text == "one"
        sent = server.frames[-1]
        assert isinstance(sent["ref"], int)
        assert sent["action"] == "echo"
        pushed = await next_message(client.messages())
        assert isinstance(pushed, Notice) and pushed.payload == {"n": 1}


async def test_concurrent_requests_each_get_their_own_reply() -> None:
    async with wire_server() as server, WireClient(server.url) as client:
        texts = [f"t{i}" for i in range(20)]
        replies = await asyncio.gather(*(client.request(echo(t), expect=EchoReply) for t in texts))
        assert [r.payload.text for r in replies] == texts
        assert len({frame["ref"] for frame in server.frames}) == 20


async def test_later_replies_with_the_same_ref_reach_the_iterator() -> None:
    async with wire_server() as server, WireClient(server.url) as client:
        message = EchoTwiceMessage(payload=Text(text="twice"))
        first = await client.request(message)
        assert first == EchoReply(payload=Text(text="twice"))
        second = await next_message(client.messages())
        assert second == first


async def test_user_ref_is_sent_and_its_replies_are_iterated() -> None:
    async with wire_server() as server, WireClient(server.url) as client:
        await client.send(echo("mine"), ref="abc")
        reply = await next_message(client.messages())
        assert reply.payload.text == "mine"
        assert server.frames[0] == {"ref": "abc", "action": "echo", "payload": {"text": "mine"}}
        with pytest.raises(ValueError, match="1 to 64"):
            await client.send(echo("x"), ref="r" * 65)


async def test_error_reply_raises_server_error_with_payload() -> None:
    async with wire_server() as server, WireClient(server.url) as client:
        with pytest.raises(ServerError) as info:
            await client.request(Command(action="fail"))
        assert info.value.payload == {"detail": "You asked for it"}
        assert info.value.detail == "You asked for it"


async def test_complete_without_reply_raises_no_reply() -> None:
    async with wire_server(completion=True) as server, WireClient(server.url) as client:
        with pytest.raises(NoReply):
            await client.request(Command(action="quiet"))
        # ``complete`` frames are protocol signals: they never reach the iterator.
        await client.send(echo("after"))
        assert (await next_message(client.messages())).payload.text == "after"


async def test_request_times_out_and_the_client_goes_on() -> None:
    async with wire_server() as server, WireClient(server.url) as client:
        with pytest.raises(RequestTimeout) as info:
            await client.request(Command(action="quiet"), timeout=0.05)
        assert isinstance(info.value, TimeoutError)
        assert client._requests.waiting == {}
        assert (await client.request(echo("still"))).payload.text == "still"  # type: ignore[union-attr]


async def test_unexpected_reply_type_raises() -> None:
    async with wire_server() as server, WireClient(server.url) as client:
        with pytest.raises(UnexpectedReply) as info:
            await client.request(echo("x"), expect=Notice)
        assert isinstance(info.value.reply, EchoReply)


async def test_invalid_reply_raises_validation_error_to_the_requester() -> None:
    async with wire_server() as server, WireClient(server.url) as client:
        with pytest.raises(ValidationError):
            await client.request(Command(action="malformed"))


async def test_unknown_actions_are_skipped_and_logged_at_debug(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with wire_server() as server, WireClient(server.url) as client:
        with caplog.at_level(logging.DEBUG, logger="chanx.client"):
            await client.send(Command(action="future"))
            await client.send(echo("known"))
            message = await next_message(client.messages())
        assert message.payload.text == "known"
        assert any("unknown action 'hologram'" in r.getMessage() for r in caplog.records)


async def test_a_frame_that_does_not_validate_is_skipped_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with wire_server() as server, WireClient(server.url) as client:
        await client.send(Command(action="malformed"))
        await client.send(echo("next"))
        assert (await next_message(client.messages())).payload.text == "next"
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert any("'echo_reply' frame that does not match" in r.getMessage() for r in warnings)


async def test_bare_client_yields_dicts() -> None:
    async with wire_server() as server, ChanxClient[dict[str, Any], Any](server.url) as client:
        await client.send(echo("raw"))
        assert await next_message(client.messages()) == {
            "action": "echo_reply",
            "payload": {"text": "raw"},
        }


async def test_headers_cookies_and_subprotocols_reach_the_server() -> None:
    async with wire_server() as server:
        client = WireClient(
            server.url,
            headers={"Authorization": GOOD_TOKEN, "Origin": "http://example.test"},
            cookies={"sessionid": "s1", "csrftoken": "c2"},
            subprotocols=["chanx.v1"],
        )
        async with client:
            assert client._ws is not None and client._ws.subprotocol == "chanx.v1"
        headers = server.server.handshakes[0]
        assert headers["Authorization"] == GOOD_TOKEN
        assert headers["Origin"] == "http://example.test"
        assert headers["Cookie"] == "sessionid=s1; csrftoken=c2"


# Topics


async def test_topic_subscribe_push_request_unsubscribe() -> None:
    async with wire_server() as server, WireClient(server.url) as client:
        room = client.topic("room:5", ROOM_ADAPTER)
        assert client.topic("room:5") is room
        await room.subscribe()
        assert room.subscribed
        subscribe = server.frames[0]
        assert subscribe == {
            "version": 1,
            "topic": "room:5",
            "ref": subscribe["ref"],
            "action": "subscribe",
        }
        welcome = await next_message(aiter(room))
        assert isinstance(welcome, Welcome)

        said = await room.request(SayMessage(payload=Text(text="hi")), expect=Said)
        assert said.payload.text == "hi"
        await client.send(
            Command(action="publish", payload={"topic": "room:5", "text": "p", "seq": 1})
        )
        await client.send(
            Command(action="publish", payload={"topic": "room:5", "text": "q", "seq": 3})
        )
        pushes = [await next_message(aiter(room)) for _ in range(2)]
        assert [p.payload.text for p in pushes] == ["p", "q"]
        assert room.last_seq == 3 and room.gaps == 1

        await room.unsubscribe()
        assert not room.subscribed
        assert server.frames[-1]["action"] == "unsubscribe"
        with pytest.raises(StopAsyncIteration):
            await next_message(aiter(room))
        # Nothing of another topic reaches the client's own iterator.
        await client.send(echo("own"))
        assert (await next_message(client.messages())).payload.text == "own"


async def test_topic_refusals_raise_subscription_refused_with_reason() -> None:
    async with wire_server() as server, WireClient(server.url) as client:
        with pytest.raises(SubscriptionRefused) as info:
            await client.topic("room:secret").subscribe()
        assert (info.value.reason, info.value.topic) == ("unauthorized", "room:secret")
        with pytest.raises(SubscriptionRefused) as info:
            await client.topic("nowhere:1").subscribe()
        assert info.value.reason == "unknown_topic"
        assert isinstance(info.value, ServerError)
        assert not any(handle.subscribed for handle in client._route.topics.values())
        with pytest.raises(ServerError) as error:
            await client.topic("room:9", ROOM_ADAPTER).request(SayMessage(payload=Text(text="x")))
        assert error.value.payload["reason"] == "not_subscribed"


# Reconnecting


async def test_reconnects_after_restart_restores_topics_and_reports_states() -> None:
    changes: list[StateChange] = []
    async with wire_server() as server:
        client = WireClient(server.url, reconnect=FAST, on_state_change=changes.append)
        async with client:
            room = client.topic("room:1", ROOM_ADAPTER)
            await room.subscribe()
            await next_message(aiter(room))  # welcome
            await server.stop(1012)
            await await_until(
                _async(lambda: client.state is ClientState.RECONNECTING), "the client to notice"
            )
            await server.start()
            reply = await client.request(echo("back"), expect=EchoReply, timeout=10)
            assert reply.payload.text == "back"
            assert client.state is ClientState.OPEN
            # The subscription was restored before the request went out.
            actions = [(f.get("topic"), f["action"]) for f in server.frames]
            assert actions[-2:] == [("room:1", "subscribe"), (None, "echo")]
            welcome_again = await next_message(aiter(room))
            assert isinstance(welcome_again, Welcome)
        states = [(c.state, c.code) for c in changes]
        assert states[:2] == [(ClientState.CONNECTING, None), (ClientState.OPEN, None)]
        reconnecting = [c for c in changes if c.state is ClientState.RECONNECTING]
        assert reconnecting[0].code == 1012 and reconnecting[0].attempt == 1
        assert all(c.delay is not None and 0 <= c.delay <= 0.2 for c in reconnecting)
        assert [c.attempt for c in reconnecting] == list(range(1, len(reconnecting) + 1))
        assert states[-2:] == [(ClientState.OPEN, None), (ClientState.CLOSED, 1000)]
        assert leftover_tasks() == set()


async def test_pending_request_fails_with_connection_lost_when_the_socket_drops() -> None:
    async with wire_server() as server:
        async with WireClient(server.url, reconnect=FAST) as client:
            waiting = asyncio.ensure_future(client.request(Command(action="quiet"), timeout=10))
            await await_until(
                _async(lambda: bool(client._requests.waiting)), "the request to be sent"
            )
            await server.stop(1001)
            with pytest.raises(ConnectionLost, match="1001"):
                await waiting
            await server.start()
            assert (await client.request(echo("again"), timeout=10)).payload.text == "again"  # type: ignore[union-attr]


async def test_requests_made_while_reconnecting_wait_for_the_connection() -> None:
    async with wire_server() as server:
        async with WireClient(server.url, reconnect=FAST) as client:
            await server.stop(1012)
            await await_until(
                _async(lambda: client.state is ClientState.RECONNECTING), "reconnecting"
            )
            waiting = asyncio.ensure_future(client.request(echo("queued"), timeout=10))
            sending = asyncio.ensure_future(client.send(echo("sent later")))
            await asyncio.sleep(0)
            assert not waiting.done() and not sending.done()
            await server.start()
            assert (await waiting).payload.text == "queued"  # type: ignore[union-attr]
            await sending


async def test_gives_up_after_max_attempts_with_connection_lost() -> None:
    changes: list[StateChange] = []
    policy = ReconnectPolicy(initial=0.01, maximum=0.02, max_attempts=3)
    async with wire_server() as server:
        client = WireClient(server.url, reconnect=policy, on_state_change=changes.append)
        await client.connect()
        await server.stop(1012)
        with pytest.raises(ConnectionLost, match="after 3 attempts"):
            await next_message(client.messages())
        await client.wait_closed()
        assert client.state is ClientState.CLOSED
        assert [c.attempt for c in changes if c.state is ClientState.RECONNECTING] == [1, 2, 3]
        with pytest.raises(ConnectionLost):
            await client.send(echo("nope"))
        assert leftover_tasks() == set()


async def test_without_reconnect_a_drop_ends_the_client() -> None:
    async with wire_server() as server:
        client = WireClient(server.url, reconnect=None)
        await client.connect()
        await server.stop(1012)
        with pytest.raises(ConnectionLost, match="reconnect is off"):
            await next_message(client.messages())
        assert client.state is ClientState.CLOSED


@pytest.mark.parametrize("code", [1008, 1009])
async def test_policy_and_size_closes_stop_without_retrying(code: int) -> None:
    changes: list[StateChange] = []
    async with wire_server() as server:
        client = WireClient(server.url, reconnect=FAST, on_state_change=changes.append)
        await client.connect()
        await client.send(Command(action="close_with", payload={"code": code, "reason": "no"}))
        with pytest.raises(ConnectionClosedByServer) as info:
            await next_message(client.messages())
        assert (info.value.code, info.value.reason) == (code, "no")
        await client.wait_closed()
        assert not [c for c in changes if c.state is ClientState.RECONNECTING]
        assert changes[-1].state is ClientState.CLOSED and changes[-1].code == code
        with pytest.raises(ConnectionClosedByServer):
            await client.request(echo("x"))
        assert leftover_tasks() == set()


async def test_normal_close_by_the_server_ends_iteration_quietly() -> None:
    async with wire_server() as server:
        client = WireClient(server.url, reconnect=FAST)
        await client.connect()
        await client.send(Command(action="close_with", payload={"code": 1000}))
        assert [m async for m in client] == []
        assert client.state is ClientState.CLOSED
        with pytest.raises(ConnectionClosedByServer):
            await client.send(echo("x"))


# Authentication refusals and task hygiene


async def test_auth_refusal_close_code_raises_and_leaves_no_task() -> None:
    changes: list[StateChange] = []
    async with wire_server(require_token=True) as server:
        baseline = leftover_tasks()
        client = WireClient(
            server.url,
            headers={"Authorization": "Token bad"},
            reconnect=FAST,
            on_state_change=changes.append,
        )
        await client.connect()
        iterator = client.messages()
        auth = await next_message(iterator)
        assert auth.payload == {"status_code": 403}
        with pytest.raises(AuthenticationRefused) as info:
            await next_message(iterator)
        assert info.value.code == 4403
        await client.wait_closed()
        assert leftover_tasks() == baseline
        assert changes[-1].state is ClientState.CLOSED and changes[-1].code == 4403
        assert isinstance(changes[-1].error, AuthenticationRefused)
        assert not [c for c in changes if c.state is ClientState.RECONNECTING]
        with pytest.raises(AuthenticationRefused):
            await client.send(echo("x"))


async def test_handshake_403_raises_authentication_refused() -> None:
    async with wire_server(refuse_handshake=403) as server:
        client = WireClient(server.url)
        with pytest.raises(AuthenticationRefused) as info:
            await client.connect()
        assert info.value.code == 4403
        assert client.state is ClientState.CLOSED
        assert leftover_tasks() == set()


async def test_handshake_403_while_reconnecting_stops_the_client() -> None:
    async with wire_server() as server:
        client = WireClient(server.url, reconnect=FAST)
        await client.connect()
        server.server.refuse_handshake = 403
        await server.stop(1012)
        await server.start()
        with pytest.raises(AuthenticationRefused):
            await next_message(client.messages())
        await client.wait_closed()
        assert leftover_tasks() == set()


async def test_close_ends_every_task_and_fails_what_waits() -> None:
    async with wire_server() as server:
        baseline = leftover_tasks()
        client = WireClient(server.url)
        await client.connect()
        room = client.topic("room:2", ROOM_ADAPTER)
        await room.subscribe()
        waiting = asyncio.ensure_future(client.request(Command(action="quiet"), timeout=10))
        await await_until(_async(lambda: bool(client._requests.waiting)), "the request to be sent")
        await client.close()
        assert leftover_tasks() - {waiting} == baseline
        with pytest.raises(ConnectionLost):
            await waiting
        assert leftover_tasks() == baseline
        assert client.state is ClientState.CLOSED
        # What the topic received before the close is still read, then iteration ends.
        assert [type(m) for m in [m async for m in room]] == [Welcome]
        with pytest.raises(ClientClosed):
            await client.send(echo("x"))
        await client.close()  # twice is fine


async def test_close_while_reconnecting_ends_the_backoff() -> None:
    async with wire_server() as server:
        client = WireClient(server.url, reconnect=ReconnectPolicy(initial=30))
        await client.connect()
        await server.stop(1012)
        await await_until(_async(lambda: client.state is ClientState.RECONNECTING), "backoff")
        await asyncio.wait_for(client.close(), 5)
        assert client.state is ClientState.CLOSED
        assert leftover_tasks() == set()


async def test_connect_again_after_close_opens_a_new_session() -> None:
    async with wire_server() as server:
        client = WireClient(server.url)
        await client.connect()
        await client.close()
        await client.connect()
        assert (await client.request(echo("second"))).payload.text == "second"  # type: ignore[union-attr]
        await client.close()


async def test_first_connect_to_nothing_raises_os_error() -> None:
    async with wire_server() as server:
        url = server.url
        await server.stop()
    client = WireClient(url)
    with pytest.raises(OSError):
        await client.connect()
    assert client.state is ClientState.CLOSED


async def test_async_state_callback_is_awaited_and_its_errors_do_not_stop_the_client(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[ClientState] = []

    async def on_change(change: StateChange) -> None:
        await asyncio.sleep(0)
        seen.append(change.state)
        if change.state is ClientState.OPEN:
            raise RuntimeError("callback bug")

    async with wire_server() as server, WireClient(server.url, on_state_change=on_change) as client:
        assert seen == [ClientState.CONNECTING, ClientState.OPEN]
        assert (await client.request(echo("ok"))).payload.text == "ok"  # type: ignore[union-attr]
    assert seen[-1] is ClientState.CLOSED
    assert any("on_state_change raised" in r.getMessage() for r in caplog.records)


def _async(check: Any) -> Any:
    async def run() -> Any:
        return check()

    return run
