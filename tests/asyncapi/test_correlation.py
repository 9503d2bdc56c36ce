"""Request/reply correlation in the AsyncAPI document: `ref` and `version` on the frames that can
carry them, one shared correlationId, none on pushes; real frames validate against it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest

from chanx.asyncapi.generator import WebSocketRoute, generate_document
from tests.asyncapi.wire_frames import DocumentFrames
from tests.channels.helpers import collect, connect
from tests.project.consumers import EchoConsumer

Validate = Callable[[dict[str, Any]], None]

ECHO = "/ws/echo/"
CORRELATION_REF = {"$ref": "#/components/correlationIds/ref"}


@pytest.fixture
def document(assert_valid: Validate) -> dict[str, Any]:
    generated = generate_document([WebSocketRoute(ECHO, EchoConsumer)], send_completion=True)
    data = generated.to_dict()
    assert_valid(data)
    return data


def message(document: dict[str, Any], key: str) -> dict[str, Any]:
    found: dict[str, Any] = document["components"]["messages"][key]
    return found


def properties(document: dict[str, Any], key: str) -> dict[str, Any]:
    found: dict[str, Any] = document["components"]["schemas"][key]["properties"]
    return found


def test_one_correlation_id_points_at_the_ref_of_the_payload(document: dict[str, Any]) -> None:
    correlation_ids = document["components"]["correlationIds"]
    assert list(correlation_ids) == ["ref"]
    assert correlation_ids["ref"]["location"] == "$message.payload#/ref"
    assert "carries it back" in correlation_ids["ref"]["description"]


@pytest.mark.parametrize("key", ["PingMessage", "EchoMessage", "CrashMessage", "ShoutMessage"])
def test_client_frames_may_carry_ref_and_version(document: dict[str, Any], key: str) -> None:
    assert message(document, key)["correlationId"] == CORRELATION_REF
    props = properties(document, key)
    assert props["version"]["const"] == 1
    assert "ref" in props
    assert "ref" not in document["components"]["schemas"][key].get("required", [])


@pytest.mark.parametrize(
    "key",
    ["PongMessage", "EchoReply", "ErrorMessage", "UnsupportedVersionMessage", "CompleteMessage"],
)
def test_replies_errors_and_completion_carry_the_ref_back(
    document: dict[str, Any], key: str
) -> None:
    assert message(document, key)["correlationId"] == CORRELATION_REF
    props = properties(document, key)
    assert "ref" in props
    assert "version" not in props


@pytest.mark.parametrize("key", ["Notification", "GroupCompleteMessage", "EventCompleteMessage"])
def test_pushes_have_no_correlation(document: dict[str, Any], key: str) -> None:
    assert "correlationId" not in message(document, key)
    assert "ref" not in properties(document, key)


@pytest.mark.parametrize(
    ("ref", "valid"),
    [
        ("a", True),
        ("x" * 64, True),
        (7, True),
        (-3, True),
        ("", False),
        ("x" * 65, False),
        (1.5, False),
        (True, False),
        (None, False),
        ([], False),
    ],
)
def test_the_ref_schema_is_the_servers_rule(
    document: dict[str, Any], ref: Any, valid: bool
) -> None:
    schema = properties(document, "PingMessage")["ref"]
    assert jsonschema.Draft7Validator(schema).is_valid(ref) is valid


def test_a_document_without_handlers_still_validates(assert_valid: Validate) -> None:
    from tests.asyncapi.consumers import QuietConsumer

    data = generate_document([WebSocketRoute("/ws/quiet/", QuietConsumer)]).to_dict()
    assert_valid(data)
    # Its error can answer a frame, so the correlation id is still documented.
    assert message(data, "ErrorMessage")["correlationId"] == CORRELATION_REF
    assert "ref" in data["components"]["correlationIds"]


@pytest.mark.django_db(transaction=True)
async def test_real_frames_with_ref_and_version_match_the_document(
    document: dict[str, Any],
) -> None:
    frames = DocumentFrames(document)
    # (frame, whether the document allows it): the server answers bad frames too.
    sent: list[tuple[dict[str, Any], bool]] = [
        ({"version": 1, "ref": "r1", "action": "ping"}, True),
        ({"ref": 2, "action": "echo", "payload": {"text": "hi"}}, True),
        ({"ref": "r3", "action": "echo", "payload": {"text": 5}}, False),
        ({"ref": "r4", "action": "nope"}, False),
        ({"version": 2, "ref": "r5", "action": "ping"}, False),
        ({"action": "ping"}, True),
    ]
    ws = await connect(ECHO)
    received: list[dict[str, Any]] = []
    for frame, allowed in sent:
        if allowed:
            frames.check("echo", "client", frame)
        else:
            assert frames.problems("echo", "client", frame)
        await ws.send_to(text_data=json.dumps(frame))
        received += await collect(ws)
    await ws.disconnect()
    for frame in received:
        frames.check("echo", "server", frame)
    refs = [frame.get("ref") for frame in received]
    assert {"r1", 2, "r3", "r4", "r5"} <= set(refs)
    version_error = next(f for f in received if f.get("ref") == "r5" and f["action"] == "error")
    assert version_error["payload"]["version"] == 1


def test_frames_breaking_the_envelope_rules_do_not_match(document: dict[str, Any]) -> None:
    frames = DocumentFrames(document)
    assert frames.problems("echo", "client", {"version": 2, "action": "ping"})
    assert frames.problems("echo", "client", {"ref": "", "action": "ping"})
    assert frames.problems("echo", "client", {"ref": "x", "topic": "room:1", "action": "ping"})
    assert not frames.problems("echo", "client", {"ref": "x", "version": 1, "action": "ping"})
