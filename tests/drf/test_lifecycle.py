"""Frames and authentication: nothing of a refused connection is handled, held frames keep
their order, and a slow authentication stalls neither the event loop nor other connections."""

from __future__ import annotations

import asyncio
import json
import logging
import time

import pytest
from channels.testing import WebsocketCommunicator

from tests.drf.conftest import People
from tests.drf.consumers import ProbeConsumer, application
from tests.drf.helpers import closed_with, open_ws, round_trip

pytestmark = pytest.mark.django_db(transaction=True)


def echo(text: str) -> dict[str, object]:
    return {"action": "echo", "payload": {"text": text}}


async def test_frames_flooded_during_and_after_a_refused_authentication_are_never_handled(
    people: People,
) -> None:
    ws = WebsocketCommunicator(application, "/ws/slow-refusal/")
    connected, _ = await ws.connect()
    assert connected
    # The authentication takes 0.5 s in its thread: these all arrive while it runs.
    for i in range(200):
        await ws.send_json_to(echo(f"during {i}"))
    auth = json.loads(await ws.receive_from(3))
    assert auth["payload"]["status_code"] == 401
    assert await closed_with(ws) == 4401
    for i in range(200):
        await ws.send_json_to(echo(f"after {i}"))
    await asyncio.sleep(0.2)
    assert await ws.receive_nothing(0.1)
    assert ProbeConsumer.handled == []
    await ws.disconnect()


async def test_frames_sent_while_authenticating_are_handled_in_order_after_success(
    people: People,
) -> None:
    ws = WebsocketCommunicator(application, "/ws/slow/", headers=people.token_header("bob"))
    connected, _ = await ws.connect()
    assert connected
    started = time.monotonic()
    for i in range(10):
        await ws.send_json_to(echo(str(i)))
    first = json.loads(await ws.receive_from(3))
    assert first["action"] == "authentication"
    assert first["payload"]["status_code"] == 200
    assert time.monotonic() - started >= 0.4
    replies = []
    for _ in range(10):
        reply = json.loads(await ws.receive_from(2))
        assert json.loads(await ws.receive_from(2))["action"] == "complete"
        replies.append(reply["payload"]["text"])
    assert replies == [str(i) for i in range(10)]
    assert ProbeConsumer.handled == [str(i) for i in range(10)]
    await ws.disconnect()


async def test_slow_authentication_stalls_neither_the_loop_nor_other_connections(
    people: People,
) -> None:
    slow_task = asyncio.ensure_future(open_ws("/ws/very-slow/", people.token_header("alice")))
    await asyncio.sleep(0.05)  # the slow connection is now sleeping in its thread
    started = time.monotonic()
    fast, auth = await open_ws("/ws/token/", people.token_header("bob"))
    assert auth["status_code"] == 200
    assert (await round_trip(fast, echo("quick")))["payload"] == {"text": "quick"}
    await fast.disconnect()
    assert time.monotonic() - started < 0.5
    assert not slow_task.done()
    slow, auth = await slow_task
    assert auth["status_code"] == 200
    await slow.disconnect()


async def test_unexpected_error_is_a_generic_500_with_the_traceback_only_in_the_log(
    people: People, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="chanx.drf"):
        ws, auth = await open_ws("/ws/crash/")
    assert auth == {
        "status_code": 500,
        "status_text": "Internal Server Error",
        "data": {"detail": "Internal Server Error"},
    }
    assert "hunter2" not in json.dumps(auth) and "SELECT" not in json.dumps(auth)
    assert await closed_with(ws) == 4500
    record = next(r for r in caplog.records if r.name == "chanx.drf")
    assert "CrashingConsumer (CrashingAuthenticator)" in record.getMessage()
    assert record.exc_info is not None and "hunter2" in str(record.exc_info[1])
    assert ProbeConsumer.handled == []
