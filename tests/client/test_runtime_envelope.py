"""Frames as the client writes them, URLs as it builds them, and its message inbox."""

from __future__ import annotations

import asyncio
import json
from typing import Literal

import pytest
from pydantic import BaseModel, Field

from chanx.client.envelope import (
    check_ref,
    encode,
    encode_signal,
    envelope_prefix,
    may_carry_envelope,
    plain_action,
)
from chanx.client.inbox import Inbox
from chanx.client.urls import socket_url


class Payload(BaseModel):
    first_name: str = Field(alias="firstName")


class Hello(BaseModel):
    action: Literal["hello"] = "hello"
    payload: Payload


class Empty(BaseModel):
    pass


def test_bare_frame_is_the_models_json() -> None:
    message = Hello(payload=Payload(firstName="Ann"))
    assert encode(message) == '{"action":"hello","payload":{"firstName":"Ann"}}'


def test_routing_keys_are_spliced_first_and_parse_back() -> None:
    message = Hello(payload=Payload(firstName="Ann"))
    frame = encode(message, envelope_prefix(7, "room:é"))
    assert frame.startswith('{"version":1,"topic":')
    assert json.loads(frame) == {
        "version": 1,
        "topic": "room:é",
        "ref": 7,
        "action": "hello",
        "payload": {"firstName": "Ann"},
    }
    assert json.loads(encode(message, envelope_prefix('a"b', None)))["ref"] == 'a"b'
    assert json.loads(encode(Empty(), envelope_prefix(1, None))) == {"ref": 1}


def test_signal_frames() -> None:
    assert json.loads(encode_signal("subscribe", envelope_prefix(3, "room:1"))) == {
        "version": 1,
        "topic": "room:1",
        "ref": 3,
        "action": "subscribe",
    }


def test_envelope_detection_and_plain_action() -> None:
    assert not may_carry_envelope('{"action":"x","payload":{"text":"reference"}}')
    for key in ("ref", "topic", "version", "seq"):
        assert may_carry_envelope(f'{{"{key}":1,"action":"x"}}')
    assert plain_action('{"action":"complete"}') == "complete"
    assert plain_action('{"action": "complete"}') is None
    assert plain_action('{"payload":1,"action":"x"}') is None


def test_refs_the_server_would_refuse_are_refused_before_sending() -> None:
    check_ref("r" * 64)
    check_ref(10**63)
    with pytest.raises(ValueError):
        check_ref("")
    with pytest.raises(ValueError):
        check_ref(10**64)
    with pytest.raises(TypeError):
        check_ref(True)


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("ws://h:1", "ws://h:1/ws/chat/a%2Fb%20c/"),
        ("http://h:1/", "ws://h:1/ws/chat/a%2Fb%20c/"),
        ("HTTPS://h", "wss://h/ws/chat/a%2Fb%20c/"),
        ("wss://h/prefix", "wss://h/prefix/ws/chat/a%2Fb%20c/"),
    ],
)
def test_socket_url_maps_schemes_and_escapes_parameters(base: str, expected: str) -> None:
    assert socket_url(base, "/ws/chat/{room}/", {"room": "a/b c"}) == expected


def test_socket_url_errors_say_what_to_fix() -> None:
    with pytest.raises(ValueError, match="must start with ws://"):
        socket_url("localhost:8000", "/ws/")
    with pytest.raises(ValueError, match="Missing path parameter 'room'"):
        socket_url("ws://h", "/ws/chat/{room}/", {})
    assert socket_url("ws://h/ws/full/", "") == "ws://h/ws/full/"


async def test_inbox_drains_then_ends_with_its_error() -> None:
    inbox: Inbox[int] = Inbox()
    reader = asyncio.ensure_future(inbox.get())
    await asyncio.sleep(0)
    inbox.put(1)
    assert await reader == 1
    inbox.put(2)
    inbox.end(RuntimeError("stopped"))
    assert await inbox.get() == 2
    with pytest.raises(RuntimeError, match="stopped"):
        await inbox.get()


async def test_inbox_ends_quietly_and_a_cancelled_reader_passes_the_message_on() -> None:
    inbox: Inbox[int] = Inbox()
    first = asyncio.ensure_future(inbox.get())
    second = asyncio.ensure_future(inbox.get())
    await asyncio.sleep(0)
    inbox.put(1)
    first.cancel()
    assert await second == 1
    inbox.end()
    assert [item async for item in inbox] == []
