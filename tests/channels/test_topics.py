"""Topics on one socket: subscribe, authorize, per-topic handlers and pushes, limits, leaving."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Annotated

import pytest
from pydantic import StringConstraints

from chanx.channels.topics import publish_to_topic_sync
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.discovery import HandlerDefinitionError
from chanx.core.topics import MAX_GROUP_LENGTH, Topic, group_name
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import (
    PongMessage,
    SubscribedMessage,
    TopicErrorMessage,
    UnsubscribedMessage,
)
from tests.channels.helpers import collect, connect
from tests.project.topics import (
    UNSUBSCRIBED,
    CancelledMessage,
    CancelMessage,
    DocumentTopic,
    FailMessage,
    HubConsumer,
    NoticeEvent,
    PresenceTopic,
    RoomTopic,
    SaidMessage,
    SayMessage,
    SlowEvent,
    Text,
)

pytestmark = pytest.mark.django_db(transaction=True)


async def hub():  # type: ignore[no-untyped-def]
    return await connect("/ws/hub/")


async def test_subscribe_is_answered_with_the_ref_and_on_subscribe_pushes_without_it() -> None:
    ws = await hub()
    await ws.send_to(
        text_data='{"version": 1, "topic": "presence:5", "ref": "1", "action": "subscribe"}'
    )
    frames = await collect(ws)
    assert frames == [
        {"version": 1, "topic": "presence:5", "ref": "1", "action": "subscribed", "payload": None},
        {
            "version": 1,
            "topic": "presence:5",
            "action": "welcome",
            "payload": {"text": "welcome to presence:5"},
        },
        {"version": 1, "topic": "presence:5", "ref": "1", "action": "complete", "payload": None},
    ]
    await ws.disconnect()


async def test_two_topics_handle_the_same_action_each_its_own_way() -> None:
    ws = await hub()
    assert await ws.subscribe("room:7") == SubscribedMessage()
    assert await ws.subscribe("doc:readme") == SubscribedMessage()
    assert await ws.request(CancelMessage(), topic="room:7") == CancelledMessage(
        payload=Text(text="room 7")
    )
    assert await ws.request(CancelMessage(), topic="doc:readme") == CancelledMessage(
        payload=Text(text="doc readme")
    )
    # Frames naming no topic are the consumer's own.
    assert await ws.request(PingMessage()) == PongMessage()
    await ws.disconnect()


@pytest.mark.parametrize(
    ("topic", "reason"),
    [
        ("nowhere:1", "unknown_topic"),
        ("room:abc", "unknown_topic"),  # pk must be an int: validated before authorize
        ("room:13", "unauthorized"),
        ("doc:secret", "unauthorized"),
        ("doc:broken", "unauthorized"),  # authorize raised: nothing of it leaks
    ],
)
async def test_refused_subscriptions_say_why_and_leak_nothing(topic: str, reason: str) -> None:
    ws = await hub()
    await ws.subscribe("room:1")
    await ws.send_to(text_data=json.dumps({"topic": topic, "ref": "x", "action": "subscribe"}))
    frames = await ws.receive_all_json(stop_action="complete")
    assert frames[0]["action"] == "error"
    assert frames[0]["topic"] == topic and frames[0]["ref"] == "x"
    assert frames[0]["payload"]["reason"] == reason
    assert "must not leak" not in json.dumps(frames)
    # The connection and its other topic keep working.
    assert await ws.request(CancelMessage(), topic="room:1") == CancelledMessage(
        payload=Text(text="room 1")
    )
    await ws.disconnect()


async def test_frames_for_a_topic_not_subscribed_are_refused() -> None:
    ws = await hub()
    reply = await ws.request(CancelMessage(), topic="room:3")
    assert isinstance(reply, TopicErrorMessage)
    assert reply.payload.reason == "not_subscribed"
    await ws.disconnect()


async def test_a_crashing_topic_handler_leaks_nothing_and_the_topic_goes_on() -> None:
    ws = await hub()
    await ws.subscribe("room:4")
    reply = await ws.request(FailMessage(), topic="room:4")
    assert isinstance(reply, TopicErrorMessage)
    assert reply.payload.detail == "Failed to process message"
    assert "secret" not in reply.model_dump_json()
    assert isinstance(await ws.request(CancelMessage(), topic="room:4"), CancelledMessage)
    await ws.disconnect()


async def test_invalid_topic_payload_gets_a_validation_error_on_that_topic() -> None:
    ws = await hub()
    await ws.subscribe("room:4")
    await ws.send_to(text_data='{"topic": "room:4", "action": "say", "payload": {"text": 1}}')
    frames = await ws.receive_all_json(stop_action="error")
    assert frames[0]["action"] == "error" and frames[0]["topic"] == "room:4"
    assert frames[0]["payload"]["detail"] == "Message validation failed"
    await ws.disconnect()


async def test_subscriptions_per_connection_are_limited() -> None:
    ws = await hub()
    for pk in range(5):
        assert await ws.subscribe(f"room:{pk}") == SubscribedMessage()
    refused = await ws.subscribe("room:99")
    assert isinstance(refused, TopicErrorMessage)
    assert refused.payload.reason == "too_many_subscriptions"
    # Subscribing again to one it has is not a new subscription.
    assert await ws.subscribe("room:0") == SubscribedMessage()
    assert await ws.unsubscribe("room:0") == UnsubscribedMessage()
    assert await ws.subscribe("room:99") == SubscribedMessage()
    await ws.disconnect()


async def test_pushes_reach_the_subscribers_of_that_instance_only() -> None:
    alice, bob, carol = await hub(), await hub(), await hub()
    await alice.subscribe("room:1")
    await bob.subscribe("room:1")
    await carol.subscribe("room:2")
    await alice.send_message(SayMessage(payload=Text(text="hello 1")), topic="room:1")
    for ws in (alice, bob):
        pushed = await ws.receive_all_json(stop_action="group_complete")
        assert pushed == [
            {"version": 1, "topic": "room:1", "action": "said", "payload": {"text": "hello 1"}}
        ]
    await RoomTopic.publish("room:2", NoticeEvent(payload=Text(text="only 2")), seq=42)
    frames = await carol.receive_all_json(stop_action="event_complete")
    assert frames[0] == {
        "version": 1,
        "topic": "room:2",
        "seq": 42,
        "action": "notice_sent",
        "payload": {"text": "only 2"},
    }
    # Nothing for room 2 reached alice or bob: their next frame is their own reply.
    for ws in (alice, bob):
        assert await ws.request(PingMessage()) == PongMessage()
        assert await ws.receive_nothing(0.05)
    for ws in (alice, bob, carol):
        await ws.disconnect()


async def test_a_message_published_from_sync_code_is_forwarded_as_is() -> None:
    ws = await hub()
    await ws.subscribe("room:8")
    await asyncio.to_thread(
        publish_to_topic_sync, RoomTopic, "room:8", SaidMessage(payload=Text(text="from a view"))
    )
    pushed = await ws.receive_all_json(stop_action="group_complete")
    assert pushed == [
        {"version": 1, "topic": "room:8", "action": "said", "payload": {"text": "from a view"}}
    ]
    await ws.disconnect()


async def test_unsubscribe_stops_pushes_and_runs_on_unsubscribe() -> None:
    UNSUBSCRIBED.clear()
    ws = await hub()
    await ws.subscribe("presence:6")
    await ws.subscribe("room:6")
    assert await ws.unsubscribe("presence:6") == UnsubscribedMessage()
    assert await ws.unsubscribe("room:6") == UnsubscribedMessage()
    assert UNSUBSCRIBED == ["presence:6"]
    assert [m.action for m in await ws.receive_all_messages(stop_action=None)] == ["welcome"]
    await RoomTopic.publish("room:6", NoticeEvent(payload=Text(text="gone")))
    assert await ws.receive_nothing(0.1)
    await ws.disconnect()


async def test_disconnect_runs_on_unsubscribe_and_leaves_every_topic_group() -> None:
    UNSUBSCRIBED.clear()
    ws = await hub()
    await ws.subscribe("presence:21")
    await ws.subscribe("room:22")
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    groups = [group_name(PresenceTopic, "presence:21"), group_name(RoomTopic, "room:22")]
    assert all(layer.groups.get(g) for g in groups)
    await ws.disconnect()
    assert UNSUBSCRIBED == ["presence:21"]
    assert not any(layer.groups.get(g) for g in groups)


async def test_a_slow_event_handler_holds_up_its_topic_only() -> None:
    ws = await hub()
    await ws.subscribe("room:31")
    await ws.subscribe("room:32")
    started = time.monotonic()
    await RoomTopic.publish("room:31", SlowEvent(payload=1.0))
    await RoomTopic.publish("room:32", NoticeEvent(payload=Text(text="fast")))
    fast = await ws.receive_all_json(stop_action="notice_sent", timeout=2)
    assert [(f["topic"], f["payload"]) for f in fast] == [("room:32", {"text": "fast"})]
    assert time.monotonic() - started < 0.9
    slow = await ws.receive_all_json(stop_action="notice_sent", timeout=3)
    assert [(f["topic"], f["payload"]) for f in slow] == [("room:31", {"text": "slow done"})]
    await ws.disconnect()


async def test_pushes_within_a_topic_keep_their_order_behind_a_slow_handler() -> None:
    ws = await hub()
    await ws.subscribe("room:41")
    await RoomTopic.publish("room:41", SlowEvent(payload=0.2))
    for n in range(5):
        await RoomTopic.publish("room:41", SaidMessage(payload=Text(text=str(n))))
    texts: list[str] = []
    while len(texts) < 6:
        frames = await ws.receive_all_json(stop_action=None, timeout=2)
        assert frames, f"pushes missing after {texts}"
        texts += [frame["payload"]["text"] for frame in frames]
    assert texts == ["slow done", "0", "1", "2", "3", "4"]
    await ws.disconnect()


def test_group_names_are_valid_for_every_layer_and_distinct() -> None:
    import re

    names = {group_name(RoomTopic, t) for t in ["room:1", "room_1", "room:" + "x" * 100]}
    assert len(names) == 3
    for name in names:
        assert re.fullmatch(r"[A-Za-z0-9_.\-]+", name) and len(name) <= MAX_GROUP_LENGTH


def test_topic_definition_mistakes_fail_at_class_creation() -> None:
    with pytest.raises(HandlerDefinitionError, match="authorize must accept"):

        class MissingParam(Topic):
            pattern = "thing:{pk}"

            async def authorize(self) -> bool:  # type: ignore[override]
                return True

    with pytest.raises(HandlerDefinitionError, match="pattern"):

        class BadPattern(Topic):
            pattern = "room {pk}"

    with pytest.raises(HandlerDefinitionError, match="not a Topic subclass"):

        class NotTopics(AsyncJsonWebsocketConsumer):
            topics = [DocumentTopic, object]  # type: ignore[list-item]


async def test_topic_name_formats_the_pattern() -> None:
    assert RoomTopic.topic_name(pk=5) == "room:5"
    with pytest.raises(ValueError, match="not a topic of RoomTopic"):
        await RoomTopic.publish("doc:5", NoticeEvent(payload=Text(text="x")))


async def test_hub_keeps_answering_its_own_frames() -> None:
    ws = await hub()
    assert HubConsumer.__chanx_topics__ == (RoomTopic, DocumentTopic, PresenceTopic)
    assert await ws.request(PingMessage()) == PongMessage()
    await ws.disconnect()


async def test_upstream_import_path_and_receive_topic_message() -> None:
    from chanx.core.topic import Topic as UpstreamTopic

    assert UpstreamTopic is Topic
    ws = await hub()
    await ws.subscribe("room:51")
    await RoomTopic.publish("room:51", NoticeEvent(payload=Text(text="typed")))
    message = await ws.receive_topic_message(RoomTopic)
    assert message.model_dump() == {"action": "notice_sent", "payload": {"text": "typed"}}
    await ws.disconnect()


def test_annotated_parameter_constraints_are_checked_before_authorize() -> None:
    class SlugTopic(Topic):
        pattern = "slug:{slug}"

        async def authorize(
            self, slug: Annotated[str, StringConstraints(pattern=r"^[a-z]{1,5}$")]
        ) -> bool:
            return True

    assert SlugTopic.__chanx_pattern__.match("slug:abc") == {"slug": "abc"}
    assert SlugTopic.__chanx_pattern__.match("slug:ABC") is None
    assert SlugTopic.__chanx_pattern__.match("slug:abcdef") is None
