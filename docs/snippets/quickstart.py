"""The quickstart: an echo endpoint with typed messages."""

# --8<-- [start:messages]
from typing import Literal

from pydantic import BaseModel, Field

from chanx.messages.base import BaseMessage


class Text(BaseModel):
    text: str = Field(min_length=1, max_length=500)


class EchoMessage(BaseMessage):
    """What the client sends: {"action": "echo", "payload": {"text": "..."}}."""

    action: Literal["echo"] = "echo"
    payload: Text


class EchoReply(BaseMessage):
    """What the server answers."""

    action: Literal["echo_reply"] = "echo_reply"
    payload: Text


# --8<-- [end:messages]

# --8<-- [start:consumer]
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import ws_handler
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage


class EchoConsumer(AsyncJsonWebsocketConsumer):
    """Echoes text back to the client that sent it."""

    @ws_handler(summary="Answer a heartbeat")
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler(summary="Echo the text back")
    async def handle_echo(self, message: EchoMessage) -> EchoReply:
        return EchoReply(payload=message.payload)


# --8<-- [end:consumer]

# --8<-- [start:routing]
from chanx.channels.routing import URLRouter, path

router = URLRouter([path("ws/echo/", EchoConsumer.as_asgi())])
# --8<-- [end:routing]
