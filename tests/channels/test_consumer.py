"""The Channels consumer: typed round trips, errors that keep the socket open, ordering."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging

import pytest
from django.test import override_settings

from chanx.channels.routing import URLRouter, path
from chanx.core.decorators import ws_handler
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage
from tests.channels.helpers import collect, connect, ws_channel
from tests.project.consumers import ConcurrentEchoConsumer, EchoConsumer
from tests.project.messages import (
    EchoMessage,
    EchoReply,
    NotifyEvent,
    ShoutMessage,
    ShoutNotice,
    SlowMessage,
    TextPayload,
)
from tests.waiting import DEADLINE

pytestmark = pytest.mark.django_db(transaction=True)

COMPLETE = {"action": "complete", "payload": None}

FOREVER = 2 * DEADLINE
"""A ``slow`` payload no test waits for: the handler is still asleep when the test ends."""


class MeetingConsumer(ConcurrentEchoConsumer):
    """Its ``slow`` handler waits, up to 10 s, until ``payload`` of them run at once."""

    running = 0

    @functools.cached_property
    def met(self) -> asyncio.Event:
        return asyncio.Event()

    async def handle_slow(self, message: SlowMessage) -> EchoReply:
        self.running += 1
        if self.running == message.payload:
            self.met.set()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.met.wait(), 10)
        return EchoReply(payload=TextPayload(text=f"{self.running} at once"))


meeting_router = URLRouter([path("ws/meeting/", MeetingConsumer.as_asgi())])


async def test_handler_reply_goes_back_followed_by_completion() -> None:
    ws = await connect()
    await ws.send_to(text_data='{"action": "echo", "payload": {"text": "hi"}}')
    assert await collect(ws) == [
        {"action": "echo_reply", "payload": {"text": "hi"}},
        COMPLETE,
    ]
    await ws.disconnect()


@pytest.mark.parametrize(
    ("frame", "detail"),
    [
        ("not json", "Frame is not valid JSON"),
        ("[1,2,3]", "Unknown or missing action"),
        ("42", "Unknown or missing action"),
        ('"ping"', "Unknown or missing action"),
        ('{"payload": 1}', "Unknown or missing action"),
        ('{"action": "nope"}', "Unknown or missing action"),
        ('{"action": "echo", "payload": {"txt": 1}}', "Message validation failed"),
    ],
)
async def test_malformed_frame_gets_error_and_connection_stays_open(
    frame: str, detail: str
) -> None:
    ws = await connect()
    await ws.send_to(text_data=frame)
    error, complete = await collect(ws)
    assert error["action"] == "error"
    assert error["payload"]["detail"] == detail
    assert complete == COMPLETE
    await ws.send_to(text_data='{"action": "ping"}')
    assert await collect(ws) == [{"action": "pong", "payload": None}, COMPLETE]
    await ws.disconnect()


async def test_binary_json_frame_is_accepted_and_garbage_bytes_get_error() -> None:
    ws = await connect()
    await ws.send_to(bytes_data=b'{"action": "ping"}')
    assert (await collect(ws))[0] == {"action": "pong", "payload": None}
    await ws.send_to(bytes_data=b"\xff\x00")
    assert (await collect(ws))[0]["payload"]["detail"] == "Frame is not valid JSON"
    await ws.disconnect()


async def test_handler_crash_sends_generic_error_and_logs_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ws = await connect()
    with caplog.at_level(logging.ERROR, logger="chanx"):
        await ws.send_to(text_data='{"action": "crash"}')
        error, _ = await collect(ws)
    assert error == {
        "action": "error",
        "payload": {"detail": "Failed to process message", "errors": None},
    }
    assert "hunter2" not in json.dumps(error)
    record = next(r for r in caplog.records if "handle_crash" in r.getMessage())
    assert record.exc_info is not None and "hunter2" in str(record.exc_info[1])
    await ws.send_to(text_data='{"action": "ping"}')
    assert (await collect(ws))[0]["action"] == "pong"
    await ws.disconnect()


async def test_replies_come_back_in_arrival_order() -> None:
    ws = await connect()
    for i in range(30):
        delay = 0.02 if i % 3 == 0 else 0
        frame = (
            {"action": "slow", "payload": delay}
            if delay
            else {"action": "echo", "payload": {"text": str(i)}}
        )
        await ws.send_to(text_data=json.dumps(frame))
    texts = []
    for _ in range(30):
        [reply] = await ws.receive_all_messages()
        assert isinstance(reply, EchoReply)
        texts.append(reply.payload.text)
    assert texts == [("slept 0.02" if i % 3 == 0 else str(i)) for i in range(30)]
    await ws.disconnect()


async def test_concurrent_consumer_runs_handlers_side_by_side() -> None:
    ws = await connect("/ws/meeting/", meeting_router)
    for _ in range(4):
        await ws.send_to(text_data='{"action": "slow", "payload": 4}')
    for _ in range(4):
        assert await ws.receive_all_messages(timeout=DEADLINE) == [
            EchoReply(payload=TextPayload(text="4 at once"))
        ]
    await ws.disconnect()


async def test_slow_handler_does_not_hold_up_broadcasts_to_its_client() -> None:
    slow = await connect("/ws/rooms/r1/")
    other = await connect("/ws/rooms/r1/")
    await slow.send_to(text_data=json.dumps({"action": "slow", "payload": FOREVER}))
    await asyncio.sleep(0.05)
    await other.send_to(text_data='{"action": "shout", "payload": {"text": "hey"}}')
    notice = json.loads(await slow.receive_from(DEADLINE))
    assert notice == {"action": "shout_notice", "payload": {"text": "hey"}}
    assert json.loads(await slow.receive_from(1)) == {"action": "group_complete", "payload": None}
    await slow.disconnect()
    await other.disconnect()


async def test_slow_handler_does_not_hold_up_other_connections() -> None:
    slow = await connect()
    fast = await connect()
    await slow.send_to(text_data=json.dumps({"action": "slow", "payload": FOREVER}))
    await fast.send_message(PingMessage())
    assert await fast.receive_all_messages(timeout=DEADLINE) == [PongMessage()]
    await slow.disconnect()
    await fast.disconnect()


async def test_broadcast_excludes_sender_and_reaches_room_only() -> None:
    sender = await connect("/ws/rooms/a/")
    peer = await connect("/ws/rooms/a/")
    stranger = await connect("/ws/rooms/b/")
    await sender.send_to(text_data='{"action": "shout", "payload": {"text": "yo"}}')
    assert await collect(sender) == [COMPLETE]
    assert await collect(peer, stop="group_complete") == [
        {"action": "shout_notice", "payload": {"text": "yo"}},
        {"action": "group_complete", "payload": None},
    ]
    assert await stranger.receive_nothing(0.2)
    for ws in (sender, peer, stranger):
        await ws.disconnect()


async def test_events_from_async_code_reach_the_event_handler() -> None:
    ws = await connect("/ws/rooms/ev/")
    await EchoConsumer.broadcast_event(NotifyEvent(payload=TextPayload(text="a")), "room_ev")
    assert await collect(ws, stop="event_complete") == [
        {"action": "notification", "payload": {"text": "a"}},
        {"action": "event_complete", "payload": None},
    ]
    await EchoConsumer.send_event(NotifyEvent(payload=TextPayload(text="b")), await ws_channel(ws))
    assert (await collect(ws, stop="event_complete"))[0]["payload"] == {"text": "b"}
    await ws.disconnect()


def test_events_from_sync_code_reach_the_event_handler() -> None:
    async def scenario() -> list[dict[str, object]]:
        ws = await connect("/ws/rooms/sync/")
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(
            None,
            EchoConsumer.broadcast_event_sync,
            NotifyEvent(payload=TextPayload(text="from a view")),
            "room_sync",
        )
        frames = await collect(ws, stop="event_complete")
        await ws.disconnect()
        return frames

    frames = asyncio.run(scenario())
    assert frames[0] == {"action": "notification", "payload": {"text": "from a view"}}


async def test_event_the_consumer_cannot_handle_is_refused_at_the_sender() -> None:
    with pytest.raises(ValueError, match=r"EchoConsumer has no @event_handler for action 'echo'"):
        await EchoConsumer.broadcast_event(EchoMessage(payload=TextPayload(text="x")), "room_ev")


async def test_frame_over_limit_closes_with_1009_and_is_not_handled() -> None:
    ws = await connect("/ws/small/")
    EchoConsumer.handled = 0
    await ws.send_to(text_data=json.dumps({"action": "echo", "payload": {"text": "x" * 100}}))
    assert await ws.receive_output(1) == {"type": "websocket.close", "code": 1009}
    assert EchoConsumer.handled == 0


async def test_multibyte_text_is_measured_in_bytes() -> None:
    ws = await connect("/ws/small/")
    await ws.send_to(
        text_data=json.dumps({"action": "echo", "payload": {"text": "é" * 20}}, ensure_ascii=False)
    )
    assert await ws.receive_output(1) == {"type": "websocket.close", "code": 1009}


async def test_consumer_without_handlers_answers_error() -> None:
    ws = await connect("/ws/silent/")
    await ws.send_to(text_data='{"action": "ping"}')
    error, _ = await collect(ws)
    assert error["payload"]["detail"] == "This endpoint accepts no messages"
    await ws.disconnect()


async def test_override_settings_takes_effect_for_new_connections() -> None:
    with override_settings(CHANX={"SEND_COMPLETION": False}):
        ws = await connect()
        await ws.send_to(text_data='{"action": "ping"}')
        assert json.loads(await ws.receive_from(1)) == {"action": "pong", "payload": None}
        assert await ws.receive_nothing(0.1)
        await ws.disconnect()


async def test_held_messages_are_sent_together_at_the_end() -> None:
    with override_settings(CHANX={"SEND_COMPLETION": True, "SEND_MESSAGE_IMMEDIATELY": False}):
        ws = await connect()
        await ws.send_to(text_data='{"action": "echo", "payload": {"text": "z"}}')
        assert await collect(ws) == [{"action": "echo_reply", "payload": {"text": "z"}}, COMPLETE]
        await ws.disconnect()


async def test_camelize_setting_converts_keys() -> None:
    with override_settings(CHANX={"SEND_COMPLETION": True, "CAMELIZE": True}):
        ws = await connect()
        order = {
            "orderId": 1,
            "customerName": "Ada",
            "items": [{"name": "a", "quantity": 1, "tags": []}],
        }
        await ws.send_to(text_data=json.dumps({"action": "order", "payload": order}))
        reply, _ = await collect(ws)
        assert reply == {"action": "order_reply", "payload": order}
        await ws.disconnect()


async def test_message_logging_honours_settings(caplog: pytest.LogCaptureFixture) -> None:
    ws = await connect()
    with caplog.at_level(logging.INFO, logger="chanx.messages"):
        await ws.send_to(text_data='{"action": "ping"}')
        await collect(ws)
        await ws.send_to(text_data='{"action": "echo", "payload": {"text": "logged"}}')
        await collect(ws)
    logged = [r.getMessage() for r in caplog.records if r.name == "chanx.messages"]
    assert any(m.startswith("received echo") and "logged" in m for m in logged)
    assert any(m.startswith("sent echo_reply") for m in logged)
    assert not any("ping" in m or "pong" in m for m in logged)
    await ws.disconnect()


class LoneEchoConsumer(EchoConsumer):
    async def get_groups(self) -> list[str]:
        return []


async def test_consumer_without_groups_works_without_any_channel_layer() -> None:
    from channels.layers import channel_layers

    from chanx.channels.routing import URLRouter, path

    router = URLRouter([path("ws/lone/", LoneEchoConsumer.as_asgi())])
    with override_settings(CHANNEL_LAYERS={}):
        channel_layers.backends.clear()
        try:
            ws = await connect("/ws/lone/", router)
            await ws.send_to(text_data='{"action": "echo", "payload": {"text": "solo"}}')
            assert (await collect(ws))[0] == {"action": "echo_reply", "payload": {"text": "solo"}}
            await ws.disconnect()
            assert ws.future.done() and ws.future.exception() is None
        finally:
            channel_layers.backends.clear()


class AnnouncerConsumer(EchoConsumer):
    @ws_handler(output_type=ShoutNotice)
    async def handle_shout(self, message: ShoutMessage) -> EchoReply:
        await self.broadcast_message(ShoutNotice(payload=message.payload))
        return EchoReply(payload=message.payload)


async def test_own_broadcast_reaches_the_sender_after_its_frame_completed() -> None:
    from chanx.channels.routing import URLRouter, path

    router = URLRouter([path("ws/announce/", AnnouncerConsumer.as_asgi())])
    ws = await connect("/ws/announce/", router)
    for i in range(20):
        text = {"text": str(i)}
        await ws.send_to(text_data=json.dumps({"action": "shout", "payload": text}))
        assert await collect(ws) == [{"action": "echo_reply", "payload": text}, COMPLETE]
        assert await collect(ws, stop="group_complete") == [
            {"action": "shout_notice", "payload": text},
            {"action": "group_complete", "payload": None},
        ]
    await ws.disconnect()
