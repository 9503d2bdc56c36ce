"""capture_broadcast_events: the events a block of code sent, as typed messages, no layer needed."""

from __future__ import annotations

from typing import Literal

import pytest

from chanx.channels.routing import URLRouter, path
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import event_handler, ws_handler
from chanx.core.testing import (
    CapturedBroadcastEvent,
    EventCaptures,
    capture_broadcast_events,
    event_captures,
)
from chanx.messages.base import BaseMessage
from chanx.testing import WebsocketCommunicator
from tests.project.consumers import EchoConsumer
from tests.project.messages import Notification, NotifyEvent, ShoutMessage, TextPayload

pytestmark = pytest.mark.django_db(transaction=True)

NOTICE = NotifyEvent(payload=TextPayload(text="closing soon"))


class Relay(BaseMessage):
    action: Literal["relay"] = "relay"
    payload: TextPayload


class RelayConsumer(AsyncJsonWebsocketConsumer):
    """Turns a client's ``relay`` frame into an event for the whole ``relay`` group."""

    groups = ["relay"]

    @ws_handler
    async def handle_relay(self, message: Relay) -> None:
        await self.broadcast_event(NotifyEvent(payload=message.payload), "relay")

    @event_handler
    async def on_notify(self, event: NotifyEvent) -> Notification:
        return Notification(payload=event.payload)


class LoudEchoConsumer(EchoConsumer):
    """A subclass: what it sends counts as sent through EchoConsumer too."""


router = URLRouter(
    [
        path("ws/relay/", RelayConsumer.as_asgi()),
        path("ws/room/<str:room>/", EchoConsumer.as_asgi()),
    ]
)


async def member_of(room: str) -> WebsocketCommunicator:
    ws = WebsocketCommunicator(router, f"/ws/room/{room}/", consumer=EchoConsumer)
    connected, _ = await ws.connect()
    assert connected
    return ws


# The hook itself, without a consumer or a layer.


class Base:
    pass


class Derived(Base):
    pass


def test_nothing_is_active_and_nothing_recorded_outside_a_capture() -> None:
    captures = EventCaptures()
    assert not captures.active
    assert captures.record(Base, NOTICE, groups=["g"]) is False


def test_a_capture_records_events_of_its_class_and_subclasses_only() -> None:
    captures = EventCaptures()
    with captures.open(Derived, suppress=True) as derived, captures.open(Base, False) as base:
        assert captures.record(Derived, NOTICE, groups="g") is True
        assert captures.record(Base, NOTICE, channel_name="c") is False
    assert not captures.active
    assert derived == [CapturedBroadcastEvent(NOTICE, "g")]
    assert base == [CapturedBroadcastEvent(NOTICE, "g"), CapturedBroadcastEvent(NOTICE, None, "c")]


def test_captured_fields_read_as_attributes_or_by_key() -> None:
    captured = CapturedBroadcastEvent(event=NOTICE, groups=["a", "b"])
    assert captured["event"] is captured.event is NOTICE
    assert captured["groups"] == captured.groups == ["a", "b"]
    assert captured["channel_name"] is captured.channel_name is None
    with pytest.raises(KeyError):
        captured["payload"]  # type: ignore[call-overload]


def test_capture_takes_the_consumer_class() -> None:
    with (
        pytest.raises(TypeError, match="takes the consumer class"),
        capture_broadcast_events("EchoConsumer"),  # type: ignore[arg-type]
    ):
        pass
    assert not event_captures.active


# Through the consumers' event API.


async def test_broadcast_is_captured_as_its_message_and_not_sent() -> None:
    ws = await member_of("cap1")
    with capture_broadcast_events(EchoConsumer) as captured:
        await EchoConsumer.broadcast_event(NOTICE, ["room_cap1"])
        await EchoConsumer.broadcast_event(NOTICE, "room_cap1")
    assert captured == [
        CapturedBroadcastEvent(event=NOTICE, groups=["room_cap1"]),
        CapturedBroadcastEvent(event=NOTICE, groups="room_cap1"),
    ]
    assert captured[0]["event"].payload.text == "closing soon"
    assert await ws.receive_nothing(0.1), "a suppressed event reached the group"
    await ws.disconnect()


async def test_without_suppress_the_event_is_captured_and_delivered() -> None:
    ws = await member_of("cap2")
    with capture_broadcast_events(EchoConsumer, suppress=False) as captured:
        await EchoConsumer.broadcast_event(NOTICE, ["room_cap2"])
    assert captured == [CapturedBroadcastEvent(event=NOTICE, groups=["room_cap2"])]
    assert await ws.receive_all_messages(stop_action="event_complete") == [
        Notification(payload=NOTICE.payload)
    ]
    await ws.disconnect()


async def test_omitted_or_one_shot_groups_are_captured_as_the_groups_sent_to() -> None:
    with capture_broadcast_events(RelayConsumer) as captured:
        await RelayConsumer.broadcast_event(NOTICE)
        await RelayConsumer.broadcast_event(NOTICE, (name for name in ("a", "b")))
    assert [c.groups for c in captured] == [["relay"], ["a", "b"]]


async def test_send_event_is_captured_with_its_channel_name() -> None:
    with capture_broadcast_events(EchoConsumer) as captured:
        await EchoConsumer.send_event(NOTICE, "specific.channel!abc")
    assert captured == [
        CapturedBroadcastEvent(event=NOTICE, groups=None, channel_name="specific.channel!abc")
    ]


def test_sync_broadcast_from_sync_code_is_captured() -> None:
    with capture_broadcast_events(EchoConsumer) as captured:
        EchoConsumer.broadcast_event_sync(NOTICE, ["room_sync"])
        EchoConsumer.send_event_sync(NOTICE, "one.channel!x")
    assert [(c.groups, c.channel_name) for c in captured] == [
        (["room_sync"], None),
        (None, "one.channel!x"),
    ]


async def test_events_of_a_handler_already_running_are_captured() -> None:
    ws = WebsocketCommunicator(router, "/ws/relay/", consumer=RelayConsumer)
    connected, _ = await ws.connect()
    assert connected
    # The consumer's task started before the capture opened, in a context of its own.
    with capture_broadcast_events(RelayConsumer) as captured:
        await ws.send_message(Relay(payload=TextPayload(text="pass it on")))
        assert await ws.receive_all_messages() == []
    assert captured == [
        CapturedBroadcastEvent(
            event=NotifyEvent(payload=TextPayload(text="pass it on")), groups="relay"
        )
    ]
    assert await ws.receive_nothing(0.1), "the suppressed event was delivered"
    await ws.disconnect()


async def test_subclasses_are_captured_but_not_other_consumers() -> None:
    with capture_broadcast_events(EchoConsumer) as captured:
        await LoudEchoConsumer.broadcast_event(NOTICE, ["loud"])
        with capture_broadcast_events(RelayConsumer) as relay_only:
            await EchoConsumer.broadcast_event(NOTICE, ["echo"])
    assert [c.groups for c in captured] == [["loud"], ["echo"]]
    assert relay_only == []


async def test_an_event_the_consumer_cannot_handle_still_fails_at_the_sender() -> None:
    shout = ShoutMessage(payload=TextPayload(text="x"))
    with capture_broadcast_events(EchoConsumer) as captured:
        with pytest.raises(ValueError, match="EchoConsumer has no @event_handler for action"):
            await EchoConsumer.broadcast_event(shout, ["room_x"])
        with pytest.raises(ValueError, match="no @event_handler for action 'shout'"):
            await EchoConsumer.send_event(shout, "one.channel!x")
    assert captured == []


async def test_after_the_block_events_flow_again_and_the_list_is_kept() -> None:
    ws = await member_of("cap3")
    with capture_broadcast_events(EchoConsumer) as captured:
        await EchoConsumer.broadcast_event(NOTICE, ["room_cap3"])
    assert not event_captures.active
    later = NotifyEvent(payload=TextPayload(text="later"))
    await EchoConsumer.broadcast_event(later, ["room_cap3"])
    assert await ws.receive_all_messages(stop_action="event_complete") == [
        Notification(payload=later.payload)
    ]
    assert [c.event for c in captured] == [NOTICE]
    await ws.disconnect()
