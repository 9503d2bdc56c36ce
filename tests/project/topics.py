"""Topics and a hub consumer mounting them, shared by the topic tests (in-process and e2e)."""

from __future__ import annotations

import asyncio
from typing import Literal

from pydantic import BaseModel

from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import event_handler, ws_handler
from chanx.core.errors import ClientError
from chanx.core.topics import Topic
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage


class Text(BaseModel):
    text: str


class SayMessage(BaseMessage):
    action: Literal["say"] = "say"
    payload: Text


class SaidMessage(BaseMessage):
    action: Literal["said"] = "said"
    payload: Text


class CancelMessage(BaseMessage):
    action: Literal["cancel"] = "cancel"
    payload: None = None


class CancelledMessage(BaseMessage):
    action: Literal["cancelled"] = "cancelled"
    payload: Text


class NoticeEvent(BaseMessage):
    action: Literal["notice"] = "notice"
    payload: Text


class NoticeMessage(BaseMessage):
    action: Literal["notice_sent"] = "notice_sent"
    payload: Text


class SlowEvent(BaseMessage):
    action: Literal["slow"] = "slow"
    payload: float


class WelcomeMessage(BaseMessage):
    action: Literal["welcome"] = "welcome"
    payload: Text


class FailMessage(BaseMessage):
    action: Literal["fail"] = "fail"
    payload: None = None


#: Rooms whose subscribers are refused; the authorization below reads it.
CLOSED_ROOMS = {13}
#: Topics whose on_unsubscribe ran, in order (tests clear it).
UNSUBSCRIBED: list[str] = []


class RoomTopic(Topic):
    """A chat room: say things in it, get its notices."""

    pattern = "room:{pk}"

    async def authorize(self, pk: int) -> bool:
        return pk not in CLOSED_ROOMS

    @ws_handler(output_type=SaidMessage)
    async def handle_say(self, message: SayMessage) -> None:
        await self.broadcast_message(SaidMessage(payload=message.payload))

    @ws_handler
    async def handle_cancel(self, message: CancelMessage) -> CancelledMessage:
        return CancelledMessage(payload=Text(text=f"room {self.params['pk']}"))

    @ws_handler
    async def handle_fail(self, message: FailMessage) -> None:
        raise RuntimeError("secret internals of the room")

    @event_handler
    async def on_notice(self, event: NoticeEvent) -> NoticeMessage:
        return NoticeMessage(payload=event.payload)

    @event_handler
    async def on_slow(self, event: SlowEvent) -> NoticeMessage:
        await asyncio.sleep(event.payload)
        return NoticeMessage(payload=Text(text="slow done"))


class PresenceTopic(Topic):
    """Who is here: greets on subscribe, records the leaving."""

    pattern = "presence:{room}"
    pushes = [WelcomeMessage]

    async def on_subscribe(self) -> None:
        await self.send_message(WelcomeMessage(payload=Text(text=f"welcome to {self.name}")))

    async def on_unsubscribe(self) -> None:
        UNSUBSCRIBED.append(self.name)


class DocumentTopic(Topic):
    """A document: its own `cancel` beside the room's."""

    pattern = "doc:{slug}"

    def authorize(self, slug: str) -> bool:  # sync: runs in a worker thread
        if slug == "broken":
            raise ClientError("authorize must not leak this")
        return slug != "secret"

    @ws_handler
    async def handle_cancel(self, message: CancelMessage) -> CancelledMessage:
        return CancelledMessage(payload=Text(text=f"doc {self.params['slug']}"))


class HubConsumer(AsyncJsonWebsocketConsumer):
    """One socket, many rooms and documents."""

    topics = [RoomTopic, DocumentTopic, PresenceTopic]
    max_subscriptions = 5

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()
