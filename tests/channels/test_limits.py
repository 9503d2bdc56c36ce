"""Hostile and careless clients: rate limits, deep JSON, deliberate handler errors."""

from __future__ import annotations

import json

import pytest

from chanx.channels.routing import URLRouter, path
from chanx.core.errors import ClientError
from chanx.core.ratelimit import RateLimit
from tests.channels.helpers import collect, connect
from tests.project.consumers import EchoConsumer
from tests.project.messages import CrashMessage

pytestmark = pytest.mark.django_db(transaction=True)


class LimitedConsumer(EchoConsumer):
    # One token per 100 s: no test run lasts long enough for the bucket to refill.
    rate_limit = RateLimit(per_second=0.01, burst=3, close_after=5)


class RefusingConsumer(EchoConsumer):
    async def handle_crash(self, message: CrashMessage) -> None:
        raise ClientError("The room is full")


router = URLRouter(
    [
        path("ws/limited/", LimitedConsumer.as_asgi()),
        path("ws/refusing/", RefusingConsumer.as_asgi()),
    ]
)


async def test_frames_over_the_rate_limit_get_an_error_and_abuse_closes_with_1008() -> None:
    ws = await connect("/ws/limited/", router)
    for _ in range(3):
        await ws.send_to(text_data='{"action": "ping"}')
        assert [f["action"] for f in await collect(ws)] == ["pong", "complete"]
    await ws.send_to(text_data='{"action": "ping"}')
    error, complete = await collect(ws)
    assert error["action"] == "error"
    assert error["payload"]["detail"].startswith(
        "Rate limit exceeded: at most 0.01 messages per second"
    )
    assert complete["action"] == "complete"
    for _ in range(3):
        await ws.send_to(text_data='{"action": "ping"}')
        assert [f["action"] for f in await collect(ws)] == ["error", "complete"]
    await ws.send_to(text_data='{"action": "ping"}')
    assert await ws.receive_output(1) == {"type": "websocket.close", "code": 1008}


async def test_too_deep_frame_gets_an_error_and_the_connection_goes_on() -> None:
    ws = await connect()
    deep = '{"action": "echo", "payload": {"text": "x", "n": ' + "[" * 40 + "]" * 40 + "}}"
    await ws.send_to(text_data=deep)
    error, complete = await collect(ws)
    assert error["payload"] == {"detail": "Frame nests deeper than 32 levels", "errors": None}
    assert complete["action"] == "complete"
    brackets_in_strings = json.dumps({"action": "echo", "payload": {"text": "[" * 100}})
    await ws.send_to(text_data=brackets_in_strings)
    reply, _ = await collect(ws)
    assert reply == {"action": "echo_reply", "payload": {"text": "[" * 100}}
    await ws.disconnect()


async def test_client_error_sends_its_detail() -> None:
    ws = await connect("/ws/refusing/", router)
    await ws.send_to(text_data='{"action": "crash"}')
    error, _ = await collect(ws)
    assert error == {"action": "error", "payload": {"detail": "The room is full", "errors": None}}
    await ws.disconnect()


def test_rate_limit_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="per_second > 0"):
        RateLimit(per_second=0, burst=1)
