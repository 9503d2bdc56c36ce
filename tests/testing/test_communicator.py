"""WebsocketCommunicator: typed sending, typed collection, and failures that explain themselves."""

from __future__ import annotations

import json
import time
from typing import Any, get_args

import pytest
from django.test import override_settings

from chanx.constants import (
    COMPLETE_ACTIONS,
    COMPLETE_ACTIONS_TYPE,
    EVENT_ACTION_COMPLETE,
    GROUP_ACTION_COMPLETE,
    MESSAGE_ACTION_COMPLETE,
)
from chanx.core.discovery import message_actions
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import (
    CompleteMessage,
    ErrorMessage,
    ErrorPayload,
    EventCompleteMessage,
    GroupCompleteMessage,
    PongMessage,
)
from chanx.testing import WebsocketCommunicator
from chanx.testing.outgoing import BUILTIN_OUTGOING, outgoing_adapter, outgoing_types
from tests.project.consumers import EchoConsumer, SmallFramesConsumer
from tests.project.messages import (
    EchoMessage,
    EchoReply,
    Item,
    Notification,
    NotifyEvent,
    OrderMessage,
    OrderPayload,
    OrderReply,
    ShoutMessage,
    ShoutNotice,
    SlowMessage,
    TextPayload,
)
from tests.project.routing import router
from tests.testing import consumers as probes

pytestmark = pytest.mark.django_db(transaction=True)

ORDER = OrderPayload(
    order_id=7, customer_name="Ada", items=[Item(name="tea", quantity=2, tags=["hot"])]
)


async def connected(
    path: str = "/ws/echo/", consumer: type = EchoConsumer, application: Any = router
) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, path, consumer=consumer)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def test_send_message_round_trips_to_typed_reply_without_the_completion() -> None:
    ws = await connected()
    await ws.send_message(EchoMessage(payload=TextPayload(text="hi")))
    assert await ws.receive_all_messages() == [EchoReply(payload=TextPayload(text="hi"))]
    await ws.disconnect()


async def test_stop_frame_is_consumed_so_nothing_is_left_to_read() -> None:
    ws = await connected()
    await ws.send_message(PingMessage())
    assert await ws.receive_all_messages() == [PongMessage()]
    assert await ws.receive_nothing(0.1)
    await ws.disconnect()


async def test_consecutive_collections_each_return_their_own_reply() -> None:
    ws = await connected()
    await ws.send_message(EchoMessage(payload=TextPayload(text="one")))
    await ws.send_message(EchoMessage(payload=TextPayload(text="two")))
    assert await ws.receive_all_messages() == [EchoReply(payload=TextPayload(text="one"))]
    assert await ws.receive_all_messages() == [EchoReply(payload=TextPayload(text="two"))]
    await ws.disconnect()


async def test_receive_all_json_returns_raw_frames_up_to_the_stop_action() -> None:
    ws = await connected()
    await ws.send_message(EchoMessage(payload=TextPayload(text="raw")))
    assert await ws.receive_all_json() == [{"action": "echo_reply", "payload": {"text": "raw"}}]
    await ws.disconnect()


async def test_error_frames_are_typed_error_messages() -> None:
    ws = await connected()
    await ws.send_to(text_data='{"action": "nope"}')
    [error] = await ws.receive_all_messages()
    assert isinstance(error, ErrorMessage)
    assert error.payload.detail == "Unknown or missing action"
    await ws.send_to(text_data='{"action": "crash"}')
    assert await ws.receive_all_messages() == [
        ErrorMessage(payload=ErrorPayload(detail="Failed to process message"))
    ]
    await ws.disconnect()


async def test_group_complete_stop_action_collects_a_broadcast() -> None:
    sender = await connected("/ws/rooms/t1/")
    peer = await connected("/ws/rooms/t1/")
    await sender.send_message(ShoutMessage(payload=TextPayload(text="yo")))
    assert await sender.receive_all_messages() == []
    assert await peer.receive_all_messages(stop_action="group_complete") == [
        ShoutNotice(payload=TextPayload(text="yo"))
    ]
    await sender.disconnect()
    await peer.disconnect()


async def test_completion_signals_of_other_kinds_are_left_out_of_a_collection() -> None:
    sender = await connected("/ws/rooms/t2/")
    peer = await connected("/ws/rooms/t2/")
    await sender.send_message(ShoutMessage(payload=TextPayload(text="a")))
    await sender.receive_all_messages()
    await EchoConsumer.broadcast_event(NotifyEvent(payload=TextPayload(text="n")), "room_t2")
    # The broadcast, the event and their signals all reach the peer before its own reply.
    assert await peer.receive_all_messages(stop_action="event_complete") == [
        ShoutNotice(payload=TextPayload(text="a")),
        Notification(payload=TextPayload(text="n")),
    ]
    await peer.send_message(PingMessage())
    assert await peer.receive_all_messages() == [PongMessage()]
    await sender.disconnect()
    await peer.disconnect()


async def test_receive_all_json_leaves_completion_signals_out_too() -> None:
    sender = await connected("/ws/rooms/t5/")
    peer = await connected("/ws/rooms/t5/")
    await sender.send_message(ShoutMessage(payload=TextPayload(text="b")))
    assert await sender.receive_all_json() == []
    await peer.send_message(PingMessage())
    assert await peer.receive_all_json(stop_action="complete") == [
        {"action": "shout_notice", "payload": {"text": "b"}},
        {"action": "pong", "payload": None},
    ]
    await sender.disconnect()
    await peer.disconnect()


async def test_own_stop_action_ends_the_collection_and_is_returned_last() -> None:
    ws = await connected("/ws/streaming/", probes.StreamingConsumer, probes.router)
    await ws.send_message(probes.StreamMessage(payload=2))
    assert await ws.receive_all_messages(stop_action="stream_end") == [
        probes.ChunkMessage(payload=0),
        probes.ChunkMessage(payload=1),
        probes.StreamEndMessage(),
    ]
    # Its `complete` came after the end marker: the next collection reads it, and no more.
    assert await ws.receive_all_messages() == []
    assert await ws.receive_nothing(0.1)
    await ws.disconnect()


async def test_own_stop_action_that_never_comes_fails_with_what_came() -> None:
    ws = await connected("/ws/streaming/", probes.StreamingConsumer, probes.router)
    await ws.send_message(probes.StreamMessage(payload=1))
    with pytest.raises(AssertionError) as failure:
        await ws.receive_all_json(timeout=0.2, stop_action="stream_over")
    text = str(failure.value)
    assert "no 'stream_over' frame within 0.2s" in text
    assert '{"action":"chunk","payload":0}' in text
    await ws.disconnect()


async def test_frame_matching_no_outgoing_message_fails_showing_the_frame() -> None:
    ws = WebsocketCommunicator(
        probes.router, "/ws/undeclared/", consumer=probes.UndeclaredReplyConsumer
    )
    await ws.connect()
    await ws.send_message(EchoMessage(payload=TextPayload(text="x")))
    with pytest.raises(AssertionError) as failure:
        await ws.receive_all_messages()
    text = str(failure.value)
    assert "UndeclaredReplyConsumer sent a frame that matches none of its outgoing messages" in text
    assert '{"action":"mystery","payload":null}' in text
    assert "expected actions: authentication, complete, echo_reply, error" in text
    await ws.disconnect()


async def test_frame_with_a_known_action_but_wrong_payload_names_the_field() -> None:
    ws = await connected()
    # Pretend the consumer answered with a malformed reply: put it straight on the output queue.
    for text in ('{"action": "echo_reply", "payload": {"txt": 1}}', '{"action": "complete"}'):
        await ws.output_queue.put({"type": "websocket.send", "text": text})
    with pytest.raises(AssertionError, match=r"echo_reply\.payload\.text: Field required"):
        await ws.receive_all_messages()
    await ws.disconnect()


async def test_without_completion_a_collection_ends_when_the_consumer_goes_quiet() -> None:
    with override_settings(CHANX={"SEND_COMPLETION": False}):
        ws = await connected()
    await ws.send_message(PingMessage())
    await ws.send_message(EchoMessage(payload=TextPayload(text="q")))
    started = time.monotonic()
    replies = await ws.receive_all_messages(timeout=10, quiet_period=0.1)
    # Ended by 0.1 s of silence after the last reply, not by the 10 s timeout.
    assert time.monotonic() - started < 10
    assert replies == [PongMessage(), EchoReply(payload=TextPayload(text="q"))]
    await ws.disconnect()


async def test_without_completion_nothing_arriving_is_an_empty_list_not_a_failure() -> None:
    with override_settings(CHANX={"SEND_COMPLETION": False}):
        ws = await connected()
    assert await ws.receive_all_messages(stop_action=GROUP_ACTION_COMPLETE, timeout=0.1) == []
    assert await ws.receive_all_json(timeout=0.1) == []
    await ws.disconnect()


async def test_quiet_period_is_configurable_per_call_and_per_communicator() -> None:
    with override_settings(CHANX={"SEND_COMPLETION": False}):
        ws = await connected()
    # The slow reply comes at least 0.3 s after the pong: longer than a 0.1 s quiet period...
    await ws.send_message(PingMessage())
    await ws.send_message(SlowMessage(payload=0.3))
    assert await ws.receive_all_messages(quiet_period=0.1) == [PongMessage()]
    assert await ws.receive_all_messages(timeout=10) == [
        EchoReply(payload=TextPayload(text="slept 0.3"))
    ]
    # ...and shorter than this communicator's 1.5 s one.
    ws.quiet_period = 1.5
    await ws.send_message(PingMessage())
    await ws.send_message(SlowMessage(payload=0.3))
    await ws.send_message(EchoMessage(payload=TextPayload(text="last")))
    assert await ws.receive_all_messages(timeout=10) == [
        PongMessage(),
        EchoReply(payload=TextPayload(text="slept 0.3")),
        EchoReply(payload=TextPayload(text="last")),
    ]
    await ws.disconnect()


async def test_timeout_with_completion_on_points_at_a_slow_handler() -> None:
    ws = await connected()
    await ws.send_message(SlowMessage(payload=0.5))
    with pytest.raises(AssertionError) as failure:
        await ws.receive_all_messages(timeout=0.1)
    text = str(failure.value)
    assert "no 'complete' frame within 0.1s; frames received: []" in text
    assert "Raise the timeout if it is slow" in text
    assert "use receive_nothing()" in text
    assert await ws.receive_all_messages() == [EchoReply(payload=TextPayload(text="slept 0.5"))]
    await ws.disconnect()


async def test_stop_action_none_collects_until_quiet_without_completion() -> None:
    with override_settings(CHANX={"SEND_COMPLETION": False}):
        ws = await connected()
        await ws.send_message(PingMessage())
        await ws.send_message(EchoMessage(payload=TextPayload(text="q")))
        assert await ws.receive_all_messages(stop_action=None, timeout=0.2) == [
            PongMessage(),
            EchoReply(payload=TextPayload(text="q")),
        ]
        await ws.disconnect()


async def test_stop_action_none_collects_until_quiet_and_leaves_signals_out() -> None:
    ws = await connected()
    await ws.send_message(PingMessage())
    assert await ws.receive_all_messages(stop_action=None, timeout=0.2) == [PongMessage()]
    await ws.disconnect()


async def test_a_quiet_period_does_not_stop_the_consumer() -> None:
    ws = await connected()
    assert await ws.receive_all_json(timeout=0.1, stop_action=None) == []
    await ws.send_message(PingMessage())
    assert await ws.receive_all_messages() == [PongMessage()]
    await ws.disconnect()


async def test_close_while_collecting_fails_with_the_close_code() -> None:
    ws = await connected("/ws/small/", SmallFramesConsumer)
    await ws.send_message(EchoMessage(payload=TextPayload(text="x" * 100)))
    with pytest.raises(AssertionError, match=r"closed the connection \(code 1009\)"):
        await ws.receive_all_messages()


async def test_assert_closed_returns_the_code_and_checks_it() -> None:
    ws = await connected("/ws/small/", SmallFramesConsumer)
    await ws.send_message(EchoMessage(payload=TextPayload(text="x" * 100)))
    assert await ws.assert_closed(1009) == 1009


async def test_assert_closed_fails_when_a_frame_comes_instead() -> None:
    ws = await connected()
    await ws.send_message(PingMessage())
    with pytest.raises(AssertionError, match=r'consumer sent the frame \{"action":"pong"'):
        await ws.assert_closed()
    await ws.disconnect()


async def test_assert_closed_fails_when_the_connection_stays_open() -> None:
    ws = await connected()
    with pytest.raises(AssertionError, match=r"not closed within 0\.1s"):
        await ws.assert_closed(timeout=0.1)
    await ws.disconnect()


async def test_camelize_is_applied_when_sending_and_undone_when_receiving() -> None:
    with override_settings(CHANX={"SEND_COMPLETION": True, "CAMELIZE": True}):
        ws = await connected()
        await ws.send_message(OrderMessage(payload=ORDER))
        [raw] = await ws.receive_all_json()
        assert raw["payload"]["customerName"] == "Ada"
        await ws.send_message(OrderMessage(payload=ORDER))
        assert await ws.receive_all_messages() == [OrderReply(payload=ORDER)]
        await ws.disconnect()


async def test_custom_action_key_is_used_on_both_sides() -> None:
    with override_settings(CHANX={"SEND_COMPLETION": True, "MESSAGE_ACTION_KEY": "type"}):
        ws = await connected()
        await ws.send_message(EchoMessage(payload=TextPayload(text="k")))
        assert await ws.receive_all_json() == [{"type": "echo_reply", "payload": {"text": "k"}}]
        await ws.send_message(EchoMessage(payload=TextPayload(text="k")))
        assert await ws.receive_all_messages() == [EchoReply(payload=TextPayload(text="k"))]
        await ws.disconnect()


async def test_settings_are_fixed_at_connect_like_the_consumer_does() -> None:
    with override_settings(CHANX={"SEND_COMPLETION": True, "MESSAGE_ACTION_KEY": "type"}):
        ws = await connected()
    # The override is gone, but this connection still speaks with the "type" key.
    await ws.send_message(EchoMessage(payload=TextPayload(text="k")))
    assert await ws.receive_all_messages() == [EchoReply(payload=TextPayload(text="k"))]
    await ws.disconnect()


def test_outgoing_messages_are_handler_outputs_plus_builtins() -> None:
    types = outgoing_types(EchoConsumer)
    assert ShoutNotice in types  # declared with output_type=, sent by broadcast
    assert EchoReply in types
    assert set(BUILTIN_OUTGOING) <= set(types)
    assert EchoMessage not in types  # incoming only


def test_outgoing_validator_is_built_once_per_consumer_class() -> None:
    assert outgoing_adapter(EchoConsumer) is outgoing_adapter(EchoConsumer)
    assert outgoing_adapter(EchoConsumer) is not outgoing_adapter(probes.UndeclaredReplyConsumer)


def test_encoding_is_the_consumers_own() -> None:
    ws = WebsocketCommunicator(router, "/ws/echo/", consumer=EchoConsumer)
    message = EchoMessage(payload=TextPayload(text="é"))
    assert json.loads(ws.codec.encode(message)) == {"action": "echo", "payload": {"text": "é"}}


def test_chanx_constants_name_the_signals_the_consumer_sends() -> None:
    assert message_actions(CompleteMessage) == (MESSAGE_ACTION_COMPLETE,) == ("complete",)
    assert message_actions(GroupCompleteMessage) == (GROUP_ACTION_COMPLETE,)
    assert message_actions(EventCompleteMessage) == (EVENT_ACTION_COMPLETE,)
    signals = {"complete", "group_complete", "event_complete"}
    assert set(get_args(COMPLETE_ACTIONS_TYPE)) == COMPLETE_ACTIONS == signals


async def test_chanx_constants_work_as_stop_actions() -> None:
    sender = await connected("/ws/rooms/t6/")
    peer = await connected("/ws/rooms/t6/")
    await sender.send_message(ShoutMessage(payload=TextPayload(text="c")))
    assert await sender.receive_all_messages(stop_action=MESSAGE_ACTION_COMPLETE) == []
    assert await peer.receive_all_messages(stop_action=GROUP_ACTION_COMPLETE) == [
        ShoutNotice(payload=TextPayload(text="c"))
    ]
    await EchoConsumer.broadcast_event(NotifyEvent(payload=TextPayload(text="e")), "room_t6")
    assert await peer.receive_all_messages(stop_action=EVENT_ACTION_COMPLETE) == [
        Notification(payload=TextPayload(text="e"))
    ]
    await sender.disconnect()
    await peer.disconnect()
