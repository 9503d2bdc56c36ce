"""Multiplexed consumers: many consumers on one WebSocket, each in its envelope."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from channels.layers import get_channel_layer
from django.test import override_settings

from chanx.channels.multiplex import AsyncJsonWebsocketDemultiplexer
from chanx.channels.runtime import current_runtime
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import ws_handler
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import (
    AuthenticationMessage,
    ErrorMessage,
    MultiplexErrorMessage,
    PongMessage,
)
from chanx.testing import WebsocketCommunicator
from chanx.testing.multiplex import MultiplexCommunicator
from tests.project.consumers import SmallFramesConsumer
from tests.project.messages import (
    CrashMessage,
    EchoMessage,
    EchoReply,
    Notification,
    NotifyEvent,
    ShoutMessage,
    ShoutNotice,
    SlowMessage,
    TextPayload,
)
from tests.project.multiplex import (
    MultiplexAdminConsumer,
    MultiplexChatConsumer,
    MultiplexNewsConsumer,
    ProjectDemultiplexer,
    RenamedEnvelopeDemultiplexer,
    room_group,
)
from tests.project.routing import router
from tests.waiting import DEADLINE, await_until

pytestmark = pytest.mark.django_db(transaction=True)

ISOLATION = {
    "action": "error",
    "payload": {
        "detail": "Consumer 'admin' closed the connection",
        "errors": None,
        "consumer": "admin",
    },
}


def echo(text: str) -> EchoMessage:
    return EchoMessage(payload=TextPayload(text=text))


def reply(text: str) -> EchoReply:
    return EchoReply(payload=TextPayload(text=text))


def envelope(key: str, message: dict[str, Any], **extra: Any) -> str:
    return json.dumps({"version": 1, "consumer": key, "message": message, **extra})


async def open_mux(
    path: str = "/ws/multiplex/lobby/", application: Any = router, consumer: Any = None
) -> MultiplexCommunicator:
    communicator = MultiplexCommunicator(
        application, path, consumer=consumer or ProjectDemultiplexer
    )
    connected, _ = await communicator.connect(timeout=DEADLINE)
    assert connected
    return communicator


@pytest.fixture
async def mux() -> AsyncIterator[MultiplexCommunicator]:
    """A connection whose handshake (admin refused, isolated; then ready) was read."""
    communicator = await open_mux()
    await communicator.receive_multiplex_ready(DEADLINE)
    before = await communicator.receive_all_envelopes(stop_action=None, quiet_period=0.01)
    assert [key for key, _ in before] == ["admin", None]
    yield communicator
    await communicator.shutdown()


async def frames(communicator: WebsocketCommunicator, count: int) -> list[dict[str, Any]]:
    return [json.loads(await communicator.receive_from(DEADLINE)) for _ in range(count)]


async def test_refused_stream_is_reported_then_ready_lists_the_others_once() -> None:
    communicator = await open_mux()
    try:
        auth, isolation, ready = await frames(communicator, 3)
        assert auth == {
            "version": 1,
            "consumer": "admin",
            "message": {
                "action": "authentication",
                "payload": {
                    "status_code": 403,
                    "status_text": "Forbidden",
                    "data": {"detail": "Admins only."},
                },
            },
        }
        assert isolation == ISOLATION
        assert ready == {
            "action": "multiplex_ready",
            "payload": {"version": 1, "ready": ["chat", "news"], "unavailable": ["admin"]},
        }
        # Exactly once: the connection goes quiet, and still serves the open streams.
        assert await communicator.receive_nothing(0.1)
        await communicator.send_message(echo("still here"), consumer="chat")
        assert await communicator.receive_all_envelopes() == [("chat", reply("still here"))]
    finally:
        await communicator.shutdown()


async def test_receive_multiplex_ready_keeps_earlier_frames_for_the_next_collection() -> None:
    communicator = await open_mux()
    try:
        ready = await communicator.receive_multiplex_ready(DEADLINE)
        assert ready.payload.ready == ["chat", "news"]
        assert ready.payload.unavailable == ["admin"]
        envelopes = await communicator.receive_all_envelopes(stop_action=None, quiet_period=0.1)
        assert [key for key, _ in envelopes] == ["admin", None]
        auth, isolation = (message for _, message in envelopes)
        assert isinstance(auth, AuthenticationMessage) and auth.payload.status_code == 403
        assert isinstance(isolation, MultiplexErrorMessage)
        assert isolation.payload.model_extra == {"consumer": "admin"}
    finally:
        await communicator.shutdown()


async def test_frame_for_a_stream_is_answered_inside_its_envelope(
    mux: MultiplexCommunicator,
) -> None:
    await mux.send_to(text_data=envelope("chat", {"action": "echo", "payload": {"text": "hi"}}))
    assert await frames(mux, 2) == [
        {
            "version": 1,
            "consumer": "chat",
            "message": {"action": "echo_reply", "payload": {"text": "hi"}},
        },
        {"version": 1, "consumer": "chat", "message": {"action": "complete", "payload": None}},
    ]


async def test_frame_without_consumer_field_is_the_demultiplexers_own(
    mux: MultiplexCommunicator,
) -> None:
    await mux.send_message(PingMessage())
    assert await mux.receive_all_envelopes(stop_consumer=None) == [(None, PongMessage())]
    # Without a version the envelope means the route's version.
    await mux.send_to(text_data=json.dumps({"consumer": "news", "message": echo("v").model_dump()}))
    assert await mux.receive_all_envelopes(stop_consumer="news") == [("news", reply("v"))]


@pytest.mark.parametrize(
    ("frame", "payload"),
    [
        (
            {"version": 2, "consumer": "chat", "message": {"action": "echo"}},
            {"detail": "Unsupported envelope version 2", "errors": None, "version": 1},
        ),
        (
            {"consumer": "billing", "message": {"action": "echo"}},
            {
                "detail": "Unknown consumer 'billing'; this connection serves 'chat', 'news', "
                "'admin'",
                "errors": None,
                "consumer": "billing",
            },
        ),
        (
            {"consumer": "admin", "message": {"action": "echo"}},
            {"detail": "Consumer 'admin' is unavailable", "errors": None, "consumer": "admin"},
        ),
        (
            {"consumer": "chat"},
            {
                "detail": "Malformed envelope: 'message' must be a JSON object, the message for "
                "consumer 'chat'",
                "errors": None,
                "consumer": "chat",
            },
        ),
        (
            {"consumer": 5, "message": {"action": "echo"}},
            {
                "detail": "Malformed envelope: 'consumer' must be a non-empty string naming a "
                "consumer",
                "errors": None,
            },
        ),
    ],
    ids=["version", "unknown-key", "unavailable-key", "no-message", "key-not-a-string"],
)
async def test_unroutable_frame_gets_unwrapped_error_and_socket_stays_open(
    mux: MultiplexCommunicator, frame: dict[str, Any], payload: dict[str, Any]
) -> None:
    await mux.send_to(text_data=json.dumps(frame))
    assert await frames(mux, 2) == [
        {"action": "error", "payload": payload},
        {"action": "complete", "payload": None},
    ]
    await mux.send_message(echo("after"), consumer="chat")
    assert await mux.receive_all_envelopes() == [("chat", reply("after"))]


async def test_sub_consumer_errors_stay_inside_its_envelope(mux: MultiplexCommunicator) -> None:
    await mux.send_to(text_data=envelope("chat", {"action": "echo", "payload": {"txt": 1}}))
    [(key, error)] = await mux.receive_all_envelopes(stop_consumer="chat")
    assert key == "chat" and isinstance(error, ErrorMessage)
    await mux.send_message(CrashMessage(), consumer="news")
    [(key, error)] = await mux.receive_all_envelopes(stop_consumer="news")
    assert key == "news" and isinstance(error, ErrorMessage)
    assert error.payload.detail == "Failed to process message"


async def test_inner_ref_is_passed_through_and_envelope_ref_is_handed_to_the_message(
    mux: MultiplexCommunicator,
) -> None:
    inner = {"ref": "r-1", "action": "echo", "payload": {"text": "a"}}
    await mux.send_to(text_data=envelope("chat", inner, ref="outer"))
    assert await frames(mux, 2) == [
        {
            "version": 1,
            "consumer": "chat",
            "message": {"ref": "r-1", "action": "echo_reply", "payload": {"text": "a"}},
        },
        {
            "version": 1,
            "consumer": "chat",
            "message": {"ref": "r-1", "action": "complete", "payload": None},
        },
    ]
    await mux.send_to(
        text_data=envelope("chat", {"action": "echo", "payload": {"text": "b"}}, ref=7)
    )
    replies = await frames(mux, 2)
    assert [frame["message"].get("ref") for frame in replies] == [7, 7]
    # The demultiplexer's own errors about a frame carry its ref, unwrapped.
    await mux.send_to(text_data=envelope("nope", {"ref": "r-2", "action": "echo"}))
    error, complete = await frames(mux, 2)
    assert error["ref"] == "r-2" and error["action"] == "error"
    assert complete == {"ref": "r-2", "action": "complete", "payload": None}


async def test_one_broadcast_reaches_two_streams_of_every_connection() -> None:
    first = await open_mux("/ws/multiplex/shared/")
    second = await open_mux("/ws/multiplex/shared/")
    try:
        for communicator in (first, second):
            await communicator.receive_multiplex_ready(DEADLINE)
            await communicator.receive_all_envelopes(stop_action=None, quiet_period=0.05)
        notice = ShoutNotice(payload=TextPayload(text="hello room"))
        await first.send_message(ShoutMessage(payload=notice.payload), consumer="chat")
        for communicator in (first, second):
            got = await communicator.receive_all_envelopes(stop_action=None, quiet_period=0.2)
            assert sorted(got, key=lambda pair: str(pair[0])) == [
                ("chat", notice),
                ("news", notice),
            ]
    finally:
        await first.shutdown()
        await second.shutdown()


async def test_server_event_reaches_the_stream_that_handles_it(
    mux: MultiplexCommunicator,
) -> None:
    event = NotifyEvent(payload=TextPayload(text="deploy"))
    await MultiplexNewsConsumer.broadcast_event(event, groups=[room_group("lobby")])
    assert await mux.receive_all_envelopes(stop_action="event_complete") == [
        ("news", Notification(payload=event.payload))
    ]


async def test_frames_of_one_stream_keep_their_order_and_streams_do_not_wait(
    mux: MultiplexCommunicator,
) -> None:
    await mux.send_message(SlowMessage(payload=0.3), consumer="chat")
    await mux.send_message(echo("second"), consumer="chat")
    await mux.send_message(echo("other stream"), consumer="news")
    got = await mux.receive_all_envelopes(stop_action=None, timeout=DEADLINE, quiet_period=0.6)
    assert got == [
        ("news", reply("other stream")),
        ("chat", reply("slept 0.3")),
        ("chat", reply("second")),
    ]


async def test_many_frames_to_one_stream_are_answered_in_order(
    mux: MultiplexCommunicator,
) -> None:
    texts = [f"n{n}" for n in range(40)]
    for text in texts:
        await mux.send_message(echo(text), consumer="chat")
    got: list[Any] = []
    while len(got) < len(texts):
        got += await mux.receive_all_envelopes(stop_consumer="chat", timeout=DEADLINE)
    assert got == [("chat", reply(text)) for text in texts]


@override_settings(CHANX={"SEND_COMPLETION": True, "CAMELIZE": True})
async def test_envelope_is_never_camelized_but_inner_messages_are() -> None:
    communicator = await open_mux()
    try:
        auth = json.loads(await communicator.receive_from(DEADLINE))
        assert set(auth) == {"version", "consumer", "message"}
        assert "statusCode" in auth["message"]["payload"]
    finally:
        await communicator.shutdown()
    renamed = await open_mux("/ws/multiplex-renamed/", consumer=RenamedEnvelopeDemultiplexer)
    try:
        assert (await renamed.receive_multiplex_ready(DEADLINE)).payload.version == 3
        await renamed.send_to(
            text_data=json.dumps(
                {"envelope_version": 3, "stream": "chat", "data": echo("x").model_dump()}
            )
        )
        assert json.loads(await renamed.receive_from(DEADLINE)) == {
            "envelope_version": 3,
            "stream": "chat",
            "data": {"action": "echo_reply", "payload": {"text": "x"}},
        }
        assert await renamed.receive_all_envelopes() == []  # its completion
    finally:
        await renamed.shutdown()


async def test_disconnect_ends_every_sub_consumer_and_leaves_their_groups() -> None:
    communicator = await open_mux("/ws/multiplex/leaving/")
    await communicator.receive_multiplex_ready(DEADLINE)
    runtime = current_runtime()
    served = [type(c) for c in runtime.connections]
    assert MultiplexChatConsumer in served and MultiplexNewsConsumer in served
    layer = get_channel_layer()
    assert len(layer.groups[room_group("leaving")]) == 2
    await communicator.disconnect(timeout=DEADLINE)
    kinds = {ProjectDemultiplexer, MultiplexChatConsumer, MultiplexNewsConsumer}
    assert not [c for c in runtime.connections if type(c) in kinds]
    assert not layer.groups.get(room_group("leaving"))
    assert MultiplexAdminConsumer not in [type(c) for c in runtime.connections]


async def test_stream_that_closes_later_is_isolated_and_others_go_on() -> None:
    class SmallDemultiplexer(AsyncJsonWebsocketDemultiplexer):
        consumers = {"small": SmallFramesConsumer, "chat": MultiplexChatConsumer}

    communicator = await open_mux(
        "/ws/small-mux/", SmallDemultiplexer.as_asgi(), SmallDemultiplexer
    )
    try:
        await communicator.receive_multiplex_ready(DEADLINE)
        await communicator.send_message(echo("x" * 200), consumer="small")
        assert json.loads(await communicator.receive_from(DEADLINE)) == {
            "action": "error",
            "payload": {
                "detail": "Consumer 'small' closed the connection",
                "errors": None,
                "consumer": "small",
            },
        }
        await communicator.send_message(echo("y"), consumer="chat")
        assert await communicator.receive_all_envelopes() == [("chat", reply("y"))]
        await communicator.send_message(echo("z"), consumer="small")
        [(key, error)] = await communicator.receive_all_envelopes()
        assert key is None and error.payload.detail == "Consumer 'small' is unavailable"
    finally:
        await communicator.shutdown()


class SlowToConnectConsumer(MultiplexChatConsumer):
    async def post_authentication(self) -> None:
        await asyncio.sleep(DEADLINE)


class ImpatientDemultiplexer(AsyncJsonWebsocketDemultiplexer):
    consumers = {"slow": SlowToConnectConsumer, "chat": MultiplexChatConsumer}
    child_connect_timeout = 0.2
    child_shutdown_timeout = 0.2


async def test_stream_not_connected_within_child_connect_timeout_is_unavailable() -> None:
    app = ImpatientDemultiplexer.as_asgi()
    communicator = await open_mux("/ws/impatient/", app, ImpatientDemultiplexer)
    try:
        ready = await communicator.receive_multiplex_ready(DEADLINE)
        assert (ready.payload.ready, ready.payload.unavailable) == (["chat"], ["slow"])
        [(key, error)] = await communicator.receive_all_envelopes(
            stop_action=None, quiet_period=0.1
        )
        assert key is None
        assert error.payload.detail == "Consumer 'slow' did not finish connecting within 0.2 s"
    finally:
        await communicator.shutdown()
    assert not [c for c in current_runtime().connections if isinstance(c, SlowToConnectConsumer)]


class BinaryConsumer(AsyncJsonWebsocketConsumer):
    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        await self.send(bytes_data=b"\x00binary")
        return PongMessage()


class BinaryDemultiplexer(AsyncJsonWebsocketDemultiplexer):
    consumers = {"bin": BinaryConsumer}


async def test_binary_frame_of_a_sub_consumer_is_dropped_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    communicator = await open_mux("/ws/bin/", BinaryDemultiplexer.as_asgi(), BinaryDemultiplexer)
    try:
        await communicator.receive_multiplex_ready(DEADLINE)
        with caplog.at_level(logging.WARNING, logger="chanx.channels.multiplex"):
            await communicator.send_message(PingMessage(), consumer="bin")
            assert await communicator.receive_all_envelopes() == [("bin", PongMessage())]
        assert "sent a binary frame" in caplog.text
    finally:
        await communicator.shutdown()


def _recording(app: Any, calls: list[str]) -> Callable[..., Any]:
    async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
        scope = {**scope, "chanx_connect_complete": lambda: calls.append("complete")}
        await app(scope, receive, send)

    return application


@pytest.mark.parametrize(
    ("consumer", "connected"),
    [(MultiplexChatConsumer, True), (MultiplexAdminConsumer, False)],
    ids=["connected", "refused"],
)
async def test_consumer_calls_connect_complete_once(consumer: Any, connected: bool) -> None:
    calls: list[str] = []
    communicator = WebsocketCommunicator(
        _recording(consumer.as_asgi(), calls), "/ws/x/", consumer=consumer
    )
    try:
        await communicator.connect(timeout=DEADLINE)
        if connected:
            # Frames are handled once websocket_connect has returned.
            await communicator.send_message(echo("after connect"))
            assert await communicator.receive_all_messages() == [reply("after connect")]
        else:
            await communicator.receive_from(DEADLINE)  # the authentication outcome
            await communicator.assert_closed(4403)
            await await_until(lambda: _async(calls), "websocket_connect to finish")
        assert calls == ["complete"]
    finally:
        await communicator.shutdown()


class FailingConnectConsumer(MultiplexChatConsumer):
    async def get_groups(self) -> list[str]:
        raise RuntimeError("no groups today")


async def test_consumer_calls_connect_complete_even_when_connect_fails() -> None:
    calls: list[str] = []
    app = _recording(FailingConnectConsumer.as_asgi(), calls)
    communicator = WebsocketCommunicator(app, "/ws/x/", consumer=FailingConnectConsumer)
    await communicator.send_input({"type": "websocket.connect"})
    with pytest.raises(RuntimeError, match="no groups today"):
        await communicator.wait(DEADLINE)
    assert calls == ["complete"]


async def _async(value: Any) -> Any:
    return value


def test_nesting_a_demultiplexer_is_refused_when_the_class_is_created() -> None:
    with pytest.raises(TypeError, match="cannot be nested"):

        class Nested(AsyncJsonWebsocketDemultiplexer):
            consumers = {"inner": ProjectDemultiplexer}


def test_consumer_given_as_asgi_application_is_refused() -> None:
    with pytest.raises(TypeError, match="not its as_asgi"):

        class Wrong(AsyncJsonWebsocketDemultiplexer):
            consumers = {"chat": MultiplexChatConsumer.as_asgi()}  # type: ignore[dict-item]


def test_concurrent_handlers_on_the_demultiplexer_are_refused() -> None:
    with pytest.raises(TypeError, match="max_concurrent_handlers must be 1"):

        class Concurrent(AsyncJsonWebsocketDemultiplexer):
            consumers = {"chat": MultiplexChatConsumer}
            max_concurrent_handlers = 4


def test_envelope_fields_must_differ() -> None:
    with pytest.raises(TypeError, match="three different"):

        class Clash(AsyncJsonWebsocketDemultiplexer):
            consumers = {"chat": MultiplexChatConsumer}
            envelope_message_field = "consumer"
