"""Request/reply correlation: a frame's `ref` comes back on every reply to it, and only there."""

from __future__ import annotations

import json

import pytest

from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import ErrorMessage, PongMessage
from tests.channels.helpers import collect, connect
from tests.project.messages import CrashMessage, EchoMessage, EchoReply, ShoutMessage, TextPayload

pytestmark = pytest.mark.django_db(transaction=True)


async def test_reply_and_completion_carry_the_ref_of_their_frame() -> None:
    ws = await connect()
    await ws.send_to(text_data='{"action": "echo", "payload": {"text": "hi"}, "ref": "a-1"}')
    frames = await collect(ws)
    assert frames == [
        {"ref": "a-1", "action": "echo_reply", "payload": {"text": "hi"}},
        {"ref": "a-1", "action": "complete", "payload": None},
    ]
    await ws.disconnect()


async def test_integer_refs_come_back_as_integers() -> None:
    ws = await connect()
    await ws.send_to(text_data='{"ref": 7, "action": "ping"}')
    assert [f["ref"] for f in await collect(ws)] == [7, 7]
    await ws.disconnect()


async def test_frames_without_ref_are_answered_exactly_as_before() -> None:
    ws = await connect()
    await ws.send_to(text_data='{"action": "echo", "payload": {"text": "ref version topic"}}')
    frames = await collect(ws)
    assert frames[0] == {"action": "echo_reply", "payload": {"text": "ref version topic"}}
    assert "ref" not in frames[1]
    await ws.disconnect()


@pytest.mark.parametrize(
    ("frame", "detail"),
    [
        ('{"action": "echo", "payload": {"text": 5}, "ref": "v"}', "Message validation failed"),
        ('{"action": "nope", "ref": "v"}', "Unknown or missing action"),
        ('{"action": "crash", "payload": null, "ref": "v"}', "Failed to process message"),
    ],
)
async def test_errors_carry_the_ref(frame: str, detail: str) -> None:
    ws = await connect()
    await ws.send_to(text_data=frame)
    frames = await collect(ws)
    assert frames[0]["ref"] == "v"
    assert frames[0]["action"] == "error"
    assert frames[0]["payload"]["detail"] == detail
    assert "secret" not in json.dumps(frames)
    assert frames[-1] == {"ref": "v", "action": "complete", "payload": None}
    await ws.disconnect()


@pytest.mark.parametrize("ref", ['{"x": 1}', "true", '""', json.dumps("r" * 65)])
async def test_an_unusable_ref_gets_an_error_and_the_connection_goes_on(ref: str) -> None:
    ws = await connect()
    await ws.send_to(text_data=f'{{"action": "ping", "ref": {ref}}}')
    frames = await collect(ws)
    assert frames[0]["action"] == "error"
    assert "'ref' must be" in frames[0]["payload"]["detail"]
    assert "ref" not in frames[0]
    await ws.send_message(PingMessage())
    assert await ws.receive_all_messages() == [PongMessage()]
    await ws.disconnect()


async def test_unsupported_envelope_version_is_refused_with_the_supported_one() -> None:
    ws = await connect()
    await ws.send_to(text_data='{"version": 2, "ref": "q", "action": "ping"}')
    frames = await collect(ws)
    assert frames[0] == {
        "ref": "q",
        "action": "error",
        "payload": {"detail": "Unsupported envelope version 2", "errors": None, "version": 1},
    }
    await ws.send_to(text_data='{"version": 1, "action": "ping"}')
    assert (await collect(ws))[0] == {"action": "pong", "payload": None}
    await ws.disconnect()


async def test_a_broadcast_the_frame_causes_is_a_push_without_ref() -> None:
    sender = await connect("/ws/rooms/refs/")
    listener = await connect("/ws/rooms/refs/")
    await sender.send_message(ShoutMessage(payload=TextPayload(text="all")), ref="s1")
    assert (await collect(sender))[-1] == {"ref": "s1", "action": "complete", "payload": None}
    pushed = await collect(listener, stop="group_complete")
    assert all("ref" not in frame for frame in pushed)
    await sender.disconnect()
    await listener.disconnect()


async def test_request_matches_the_reply_by_ref_and_keeps_other_frames_queued() -> None:
    ws = await connect("/ws/rooms/req/")
    other = await connect("/ws/rooms/req/")
    await other.send_message(ShoutMessage(payload=TextPayload(text="meanwhile")))
    await other.receive_all_messages()
    reply = await ws.request(EchoMessage(payload=TextPayload(text="mine")))
    assert reply == EchoReply(payload=TextPayload(text="mine"))
    # The broadcast that arrived first was kept for the next collection.
    pushed = await ws.receive_all_json(stop_action="group_complete")
    assert pushed == [{"action": "shout_notice", "payload": {"text": "meanwhile"}}]
    error = await ws.request(CrashMessage())
    assert isinstance(error, ErrorMessage)
    assert error.payload.detail == "Failed to process message"
    await ws.disconnect()
    await other.disconnect()
