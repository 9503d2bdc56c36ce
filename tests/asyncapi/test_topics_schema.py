"""Topics in the AsyncAPI document: one channel per mounted topic, with x-topic and frames that
list the envelope keys; real frames of the test project's hub validate against it."""

from __future__ import annotations

import enum
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from typing import Annotated, Any, Literal

import pytest
from pydantic import StringConstraints

from chanx.asyncapi.generator import WebSocketRoute, generate_document
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import channel, ws_handler
from chanx.core.topics import Topic
from chanx.messages.base import BaseMessage
from tests.asyncapi.wire_frames import DocumentFrames
from tests.channels.helpers import collect, connect
from tests.e2e.servers import REPO
from tests.project.topics import HubConsumer, NoticeEvent, RoomTopic, Text

Validate = Callable[[dict[str, Any]], None]

HUB = "/ws/hub/"
ENVELOPE = {
    "version": 1,
    "topicField": "topic",
    "refField": "ref",
    "versionField": "version",
    "seqField": "seq",
}


def generate(*routes: WebSocketRoute, **options: Any) -> dict[str, Any]:
    return generate_document(list(routes), **options).to_dict()


@pytest.fixture
def document(assert_valid: Validate) -> dict[str, Any]:
    generated = generate(WebSocketRoute(HUB, HubConsumer), send_completion=True)
    assert_valid(generated)
    return generated


def channel_messages(document: dict[str, Any], channel: str) -> dict[str, dict[str, Any]]:
    """The channel's component messages, by action name."""
    components = document["components"]["messages"]
    return {
        components[ref["$ref"].rsplit("/", 1)[1]]["name"]: components[ref["$ref"].rsplit("/", 1)[1]]
        for ref in document["channels"][channel]["messages"].values()
    }


def schema_of(document: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = document["components"]["schemas"][
        message["payload"]["$ref"].rsplit("/", 1)[1]
    ]
    return schema


def test_each_mounted_topic_is_a_channel_beside_its_consumers(document: dict[str, Any]) -> None:
    channels = document["channels"]
    assert list(channels) == ["hub", "hub_room", "hub_document", "hub_presence"]
    assert {channel["address"] for channel in channels.values()} == {HUB}
    room = channels["hub_room"]
    assert room["title"] == "RoomTopic"
    assert room["description"] == "A chat room: say things in it, get its notices."
    assert room["x-topic"] == {
        "pattern": "room:{pk}",
        "parameters": {"pk": {"type": "integer"}},
        "consumer": "hub",
        "envelope": ENVELOPE,
    }
    assert channels["hub_document"]["x-topic"]["parameters"] == {"slug": {"type": "string"}}
    assert channels["hub_presence"]["x-topic"]["pattern"] == "presence:{room}"
    # The consumer's own channel is unchanged: no topic messages on it.
    assert "x-topic" not in channels["hub"]
    assert set(channel_messages(document, "hub")) == {
        "ping",
        "pong",
        "error",
        "complete",
        "group_complete",
    }


def test_topic_channels_carry_the_topics_handlers_and_the_built_in_messages(
    document: dict[str, Any],
) -> None:
    assert set(channel_messages(document, "hub_room")) == {
        "subscribe",
        "unsubscribe",
        "subscribed",
        "unsubscribed",
        "error",
        "say",
        "said",
        "cancel",
        "cancelled",
        "fail",
        "notice_sent",
        "complete",
        "group_complete",
        "event_complete",
    }
    # `pushes` are documented: the presence topic's welcome is sent from on_subscribe.
    assert "welcome" in channel_messages(document, "hub_presence")
    assert "say" not in channel_messages(document, "hub_document")


def test_topic_operations_receive_requests_and_reply_with_what_handlers_return(
    document: dict[str, Any],
) -> None:
    operations = document["operations"]

    def replies(operation_id: str) -> list[str]:
        return [
            ref["$ref"].rsplit("/", 1)[1] for ref in operations[operation_id]["reply"]["messages"]
        ]

    subscribe = operations["hub_roomSubscribe"]
    assert subscribe["action"] == "receive"
    assert subscribe["channel"] == {"$ref": "#/channels/hub_room"}
    assert replies("hub_roomSubscribe") == [
        "RoomTopic__SubscribedMessage",
        "RoomTopic__TopicErrorMessage",
    ]
    assert replies("hub_roomUnsubscribe") == ["RoomTopic__UnsubscribedMessage"]
    assert "Who may subscribe" not in subscribe["description"]  # authorize has no docstring
    assert replies("hub_roomHandleCancel") == ["RoomTopic__CancelledMessage"]
    assert replies("hub_documentHandleCancel") == ["DocumentTopic__CancelledMessage"]
    # handle_say only broadcasts: no reply, and `said` is a send operation of the channel.
    assert "reply" not in operations["hub_roomHandleSay"]
    assert operations["hub_roomSendSaidMessage"]["action"] == "send"
    notice = operations["hub_roomOnNotice"]
    assert notice["action"] == "send"
    assert notice["messages"] == [{"$ref": "#/channels/hub_room/messages/RoomTopic__NoticeMessage"}]
    for key, operation in operations.items():
        assert operation["description"], key


def test_topic_frames_list_the_envelope_keys_and_require_the_topic(
    document: dict[str, Any],
) -> None:
    room = channel_messages(document, "hub_room")
    say = schema_of(document, room["say"])
    assert list(say["properties"])[:3] == ["version", "topic", "ref"]
    assert say["required"] == ["action", "topic", "payload"]
    assert say["additionalProperties"] is False
    topic = say["properties"]["topic"]
    assert topic["type"] == "string"
    assert re.fullmatch(topic["pattern"].strip("^$"), "room:5")
    assert not re.fullmatch(topic["pattern"].strip("^$"), "doc:5")
    # The server always sends the version; replies may carry the ref, pushes the seq.
    cancelled = schema_of(document, room["cancelled"])
    assert cancelled["required"][:3] == ["action", "version", "topic"]
    assert "ref" in cancelled["properties"] and "seq" not in cancelled["properties"]
    notice = schema_of(document, room["notice_sent"])
    assert "seq" in notice["properties"] and "ref" not in notice["properties"]
    assert "correlationId" not in room["notice_sent"]
    assert room["cancelled"]["correlationId"] == {"$ref": "#/components/correlationIds/ref"}


def test_messages_seen_only_on_topics_are_not_documented_on_their_own(
    document: dict[str, Any],
) -> None:
    components = document["components"]
    for key in ("SayMessage", "SubscribeMessage", "TopicErrorMessage"):
        assert key not in components["messages"]
        assert key not in components["schemas"]
    assert "RoomTopic__SayMessage" in components["messages"]
    # Models the frames use stay shared.
    assert "Text" in components["schemas"]


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Hue(BaseMessage):
    action: Literal["hue"] = "hue"
    payload: None = None


class PaletteTopic(Topic):
    """Colours, by name."""

    pattern = "palette:{color}.{size}"
    description = "A palette of one colour."

    async def authorize(
        self, color: Color, size: Annotated[str, StringConstraints(pattern=r"^\d+$")]
    ) -> bool:
        """Any colour, any numeric size."""
        return True

    @ws_handler
    async def handle_hue(self, message: Hue) -> Hue:
        return message


class OtherPaletteTopic(PaletteTopic):
    pattern = "other:{color}.{size}"


@channel(name="paint")
class PaintConsumer(AsyncJsonWebsocketConsumer):
    topics = [PaletteTopic, OtherPaletteTopic]


@channel(name="paint")
class SecondPaintConsumer(AsyncJsonWebsocketConsumer):
    topics = [PaletteTopic]


def test_parameter_schemas_come_from_authorize_with_definitions_inlined(
    assert_valid: Validate,
) -> None:
    document = generate(WebSocketRoute("/ws/paint/", PaintConsumer))
    assert_valid(document)
    palette = document["channels"]["paint_palette"]
    subscribe = document["operations"]["paint_paletteSubscribe"]["description"]
    assert subscribe.endswith("Who may subscribe: Any colour, any numeric size.")
    assert palette["description"] == "A palette of one colour."
    parameters = palette["x-topic"]["parameters"]
    assert parameters["color"]["enum"] == ["red", "blue"]
    assert parameters["size"] == {"pattern": r"^\d+$", "type": "string"}
    assert "$ref" not in json.dumps(parameters)
    pattern = schema_of(document, channel_messages(document, "paint_palette")["hue"])
    # Literal dots of the pattern are escaped; the regex is valid ECMA-262 (no `\-`).
    assert pattern["properties"]["topic"]["pattern"] == r"^palette:[^:/\s]{1,100}\.[^:/\s]{1,100}$"


def test_one_topic_on_two_consumers_shares_its_frame_schemas(assert_valid: Validate) -> None:
    document = generate(
        WebSocketRoute("/ws/paint/", PaintConsumer),
        WebSocketRoute("/ws/paint/2/", SecondPaintConsumer),
    )
    assert_valid(document)
    channels = document["channels"]
    assert list(channels) == [
        "paint",
        "paint_palette",
        "paint_otherPalette",
        "paintWsPaint2",
        "paintWsPaint2_palette",
    ]
    assert channels["paintWsPaint2_palette"]["x-topic"]["consumer"] == "paintWsPaint2"
    assert channels["paintWsPaint2_palette"]["messages"] == channels["paint_palette"]["messages"]
    assert channels["paint_otherPalette"]["messages"]["OtherPaletteTopic__Hue"]


GENERATE_PROJECT_DOCUMENT = """
import django, json
django.setup()
from chanx.asyncapi.discovery import ChannelsRouteDiscovery
from chanx.asyncapi.generator import generate_document
from tests.project.routing import router
routes = ChannelsRouteDiscovery(router).discover()
print(json.dumps(generate_document(routes, send_completion=True).to_dict()))
"""


def test_the_document_is_the_same_whatever_the_hash_seed() -> None:
    """Sets of classes are walked while building: their order must never show."""
    # Both at once: each spends most of its time importing Django.
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", GENERATE_PROJECT_DOCUMENT],
            cwd=REPO,
            env=dict(
                os.environ, PYTHONHASHSEED=seed, DJANGO_SETTINGS_MODULE="tests.project.settings"
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in ("1", "2")
    ]
    outputs = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
        outputs.append(stdout)
    assert outputs[0] == outputs[1]
    document = json.loads(outputs[0])
    assert "hub_room" in document["channels"]
    assert json.dumps(generate(WebSocketRoute(HUB, HubConsumer))) == json.dumps(
        generate(WebSocketRoute(HUB, HubConsumer))
    )


@pytest.mark.django_db(transaction=True)
async def test_real_topic_frames_match_the_document(document: dict[str, Any]) -> None:
    frames = DocumentFrames(document)
    channel_of = {"room": "hub_room", "presence": "hub_presence", "doc": "hub_document"}
    ws = await connect(HUB)
    client_frames = [
        {"version": 1, "topic": "room:5", "ref": "1", "action": "subscribe"},
        {"topic": "presence:5", "ref": 2, "action": "subscribe"},
        {"version": 1, "topic": "room:5", "ref": "3", "action": "cancel"},
        {"topic": "room:5", "ref": "4", "action": "fail"},
        {"topic": "room:13", "ref": "5", "action": "subscribe"},
        {"topic": "doc:1", "ref": "6", "action": "cancel"},
        {"version": 1, "topic": "room:5", "ref": "7", "action": "unsubscribe"},
    ]
    received: list[dict[str, Any]] = []
    for frame in client_frames:
        frames.check(channel_of[frame["topic"].split(":")[0]], "client", frame)
        await ws.send_to(text_data=json.dumps(frame))
        received += await collect(ws)
    await ws.send_to(text_data=json.dumps({"topic": "room:6", "action": "subscribe"}))
    received += await collect(ws)
    await RoomTopic.publish("room:6", NoticeEvent(payload=Text(text="hi")), seq=9)
    received += await collect(ws, stop="event_complete")
    await ws.disconnect()
    for frame in received:
        frames.check(channel_of[frame["topic"].split(":")[0]], "server", frame)
    actions = [frame["action"] for frame in received]
    for action in ("subscribed", "welcome", "cancelled", "error", "unsubscribed", "notice_sent"):
        assert action in actions
    notice = next(frame for frame in received if frame["action"] == "notice_sent")
    assert notice["seq"] == 9


def test_a_frame_on_the_wrong_topic_or_without_it_does_not_match(document: dict[str, Any]) -> None:
    frames = DocumentFrames(document)
    assert frames.problems("hub_room", "client", {"topic": "doc:5", "action": "subscribe"})
    assert frames.problems("hub_room", "client", {"action": "subscribe"})
    assert frames.problems("hub_room", "server", {"topic": "room:5", "action": "subscribed"})
    assert not frames.problems(
        "hub_room", "server", {"version": 1, "topic": "room:5", "action": "subscribed"}
    )
