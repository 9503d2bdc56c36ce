"""The framework-neutral consumer logic, driven through a minimal adapter of its own."""

from __future__ import annotations

import json
from typing import Literal

from chanx.core.consumer import ChanxWebsocketConsumerMixin, ConsumerOptions
from chanx.core.decorators import event_handler, ws_handler
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage


class Note(BaseMessage):
    action: Literal["note"] = "note"
    payload: str


class Noted(BaseMessage):
    action: Literal["noted"] = "noted"
    payload: str


class Bump(BaseMessage):
    action: Literal["bump"] = "bump"
    payload: int


class ListAdapter(ChanxWebsocketConsumerMixin):
    """The smallest adapter: frames go to a list instead of a socket."""

    def __init__(self, options: ConsumerOptions) -> None:
        self.sent: list[str] = []
        self.configure_chanx(options)

    async def send_text(self, text: str) -> None:
        self.sent.append(text)

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler
    async def handle_note(self, message: Note) -> Noted:
        await self.send_message(Noted(payload="early"))
        return Noted(payload=message.payload.upper())

    @event_handler
    async def on_bump(self, event: Bump) -> Noted:
        return Noted(payload=str(event.payload + 1))

    def frames(self) -> list[object]:
        return [json.loads(text) for text in self.sent]


async def test_reply_and_completion_without_any_framework() -> None:
    consumer = ListAdapter(ConsumerOptions(send_completion=True))
    await consumer.chanx_handle_frame('{"action":"note","payload":"hi"}')
    assert consumer.frames() == [
        {"action": "noted", "payload": "early"},
        {"action": "noted", "payload": "HI"},
        {"action": "complete", "payload": None},
    ]


async def test_events_and_broadcast_frames_are_delivered_with_their_signals() -> None:
    consumer = ListAdapter(ConsumerOptions(send_completion=True))
    await consumer.chanx_handle_event('{"action":"bump","payload":1}')
    await consumer.chanx_handle_broadcast('{"action":"noted","payload":"all"}', "noted")
    assert consumer.frames() == [
        {"action": "noted", "payload": "2"},
        {"action": "event_complete", "payload": None},
        {"action": "noted", "payload": "all"},
        {"action": "group_complete", "payload": None},
    ]


async def test_unknown_event_is_dropped_not_sent_to_the_client() -> None:
    consumer = ListAdapter(ConsumerOptions())
    await consumer.chanx_handle_event('{"action":"nope","payload":1}')
    assert consumer.sent == []


async def test_codecs_are_shared_between_connections_with_the_same_options() -> None:
    first = ListAdapter(ConsumerOptions(action_key="type"))
    second = ListAdapter(ConsumerOptions(action_key="type"))
    third = ListAdapter(ConsumerOptions())
    assert first.codec is second.codec
    assert first.codec is not third.codec
    await first.chanx_handle_frame('{"type":"ping"}')
    assert first.frames() == [{"type": "pong", "payload": None}]
