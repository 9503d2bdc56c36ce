"""The codec: one parse per frame, clear errors, no echo of the input, optional camelCase."""

from __future__ import annotations

import json
from typing import Any, Literal

import pytest
from pydantic import BaseModel

from chanx.core.codec import FrameError, MessageCodec
from chanx.core.discovery import _union_adapter
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import AuthenticationMessage, AuthenticationPayload


class Body(BaseModel):
    first_name: str
    tag_list: list[str]


class Person(BaseMessage):
    action: Literal["person"] = "person"
    payload: Body


ADAPTER = _union_adapter([PingMessage, Person])


def errors_of(codec: MessageCodec, frame: str) -> dict[str, object]:
    with pytest.raises(FrameError) as info:
        codec.decode(frame)
    payload: dict[str, object] = info.value.payload.model_dump()
    return payload


@pytest.mark.parametrize(
    ("frame", "detail"),
    [
        ("{not json", "Frame is not valid JSON"),
        ("[1, 2]", "Unknown or missing action"),
        ('"text"', "Unknown or missing action"),
        ("{}", "Unknown or missing action"),
        ('{"action": "nope"}', "Unknown or missing action"),
        ('{"action": "person", "payload": {"first_name": 3}}', "Message validation failed"),
    ],
)
def test_bad_frames_are_described(frame: str, detail: str) -> None:
    assert errors_of(MessageCodec(ADAPTER), frame)["detail"] == detail


@pytest.mark.parametrize("frame", ["[1, 2]", '"x"', "3", "-0.5", "null", "true", " [] "])
@pytest.mark.parametrize(
    ("options", "key"),
    [({}, "action"), ({"action_key": "type"}, "type"), ({"camelize": True}, "action")],
    ids=["fast path", "renamed action key", "camelize"],
)
def test_json_that_is_not_an_object_has_no_action(
    frame: str, options: dict[str, Any], key: str
) -> None:
    if options.get("camelize"):
        pytest.importorskip("humps", reason="pyhumps is the camel-case extra")
    assert errors_of(MessageCodec(ADAPTER, **options), frame) == {
        "detail": "Unknown or missing action",
        "errors": [
            {
                "type": "union_tag_not_found",
                "loc": [],
                "msg": f"Input should be a JSON object with the key {key!r}",
            }
        ],
    }


def test_error_never_echoes_a_huge_input() -> None:
    huge = "x" * 100_000
    payload = errors_of(MessageCodec(ADAPTER), json.dumps({"action": huge}))
    assert len(json.dumps(payload)) < 2_000
    payload = errors_of(MessageCodec(ADAPTER), json.dumps({"action": "person", "payload": huge}))
    assert huge not in json.dumps(payload)


def test_fast_path_round_trip() -> None:
    codec = MessageCodec(ADAPTER)
    assert codec.fast
    frame = '{"action":"person","payload":{"first_name":"Ada","tag_list":["x"]}}'
    message = codec.decode(frame)
    assert message == Person(payload=Body(first_name="Ada", tag_list=["x"]))
    assert codec.encode(message) == frame
    assert codec.decode(frame.encode()) == message


def test_camelize_converts_keys_both_ways_but_not_values() -> None:
    pytest.importorskip("humps", reason="pyhumps is the camel-case extra")
    codec = MessageCodec(ADAPTER, camelize=True)
    message = codec.decode('{"action":"person","payload":{"firstName":"Ada","tagList":["a_b"]}}')
    assert message == Person(payload=Body(first_name="Ada", tag_list=["a_b"]))
    assert json.loads(codec.encode(message)) == {
        "action": "person",
        "payload": {"firstName": "Ada", "tagList": ["a_b"]},
    }
    auth = AuthenticationMessage(payload=AuthenticationPayload(status_code=200, status_text="OK"))
    assert json.loads(codec.encode(auth))["payload"]["statusCode"] == 200
    assert json.loads(codec.group_complete_text) == {"action": "group_complete", "payload": None}


def test_renamed_action_key_is_used_on_the_wire() -> None:
    codec = MessageCodec(ADAPTER, action_key="type")
    assert isinstance(codec.decode('{"type": "ping"}'), PingMessage)
    assert json.loads(codec.encode(PingMessage())) == {"type": "ping", "payload": None}
    assert errors_of(codec, '{"action": "ping"}')["detail"] == (
        "Unknown key 'action': name the action with 'type'"
    )
    assert errors_of(codec, "{}")["detail"] == "Unknown or missing action"
    assert errors_of(codec, "{bad")["detail"] == "Frame is not valid JSON"


def test_codec_without_messages_refuses_everything() -> None:
    assert errors_of(MessageCodec(None), '{"action":"ping"}')["detail"] == (
        "This endpoint accepts no messages"
    )
