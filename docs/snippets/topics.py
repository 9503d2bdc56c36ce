"""Topics: one socket serving many rooms, each with its own authorization and group."""

# --8<-- [start:messages]
from typing import Literal

from pydantic import BaseModel

from chanx.messages.base import BaseMessage


class Line(BaseModel):
    text: str


class Post(BaseMessage):
    """A client posts a line to the room it addresses."""

    action: Literal["post"] = "post"
    payload: Line


class Posted(BaseMessage):
    """A line posted in a room, as every subscriber of the room receives it."""

    action: Literal["posted"] = "posted"
    payload: Line


class Closing(BaseMessage):
    """A server-side event: the room closes soon."""

    action: Literal["closing"] = "closing"
    payload: int


class ClosingNotice(BaseMessage):
    """How subscribers learn that their room closes, in minutes."""

    action: Literal["closing_notice"] = "closing_notice"
    payload: int


# --8<-- [end:messages]

# --8<-- [start:topic]
from chanx.core.decorators import event_handler, ws_handler
from chanx.core.topics import Topic

PRIVATE_ROOMS = {7}


class RoomTopic(Topic):
    """A chat room: post lines, hear when it closes."""

    pattern = "room:{pk}"

    async def authorize(self, pk: int) -> bool:
        # `pk` is already an int here: "room:abc" never reaches authorize.
        return pk not in PRIVATE_ROOMS

    @ws_handler(output_type=Posted)
    async def handle_post(self, message: Post) -> None:
        await self.broadcast_message(Posted(payload=message.payload))

    @event_handler
    async def on_closing(self, event: Closing) -> ClosingNotice:
        return ClosingNotice(payload=event.payload)


# --8<-- [end:topic]

# --8<-- [start:consumer]
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage


class HubConsumer(AsyncJsonWebsocketConsumer):
    """One connection per browser tab, any number of rooms on it."""

    topics = [RoomTopic]
    max_subscriptions = 20

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()


# --8<-- [end:consumer]

# --8<-- [start:routing]
from chanx.channels.routing import URLRouter, path

router = URLRouter([path("ws/hub/", HubConsumer.as_asgi())])
# --8<-- [end:routing]


# --8<-- [start:test]
from chanx.messages.outgoing import SubscribedMessage, TopicErrorMessage
from chanx.testing import WebsocketCommunicator


async def test_rooms_on_one_socket() -> None:
    ws = WebsocketCommunicator(router, "/ws/hub/", consumer=HubConsumer)
    await ws.connect()
    assert await ws.subscribe("room:1") == SubscribedMessage()
    refused = await ws.subscribe("room:7")
    assert isinstance(refused, TopicErrorMessage)
    assert refused.payload.reason == "unauthorized"

    await ws.send_message(Post(payload=Line(text="hello")), topic="room:1")
    assert await ws.receive_all_messages(stop_action="group_complete") == [
        Posted(payload=Line(text="hello"))
    ]

    await RoomTopic.publish("room:1", Closing(payload=5))
    assert await ws.receive_all_messages(stop_action="event_complete") == [ClosingNotice(payload=5)]
    assert await ws.request(PingMessage()) == PongMessage()
    await ws.disconnect()


# --8<-- [end:test]
