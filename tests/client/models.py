"""Hand-written messages and clients with the shape generated clients have (address, incoming)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, Field, TypeAdapter

from chanx.client import ChanxClient


class Text(BaseModel):
    text: str


class EchoMessage(BaseModel):
    action: Literal["echo"] = "echo"
    payload: Text


class EchoTwiceMessage(BaseModel):
    action: Literal["echo_twice"] = "echo_twice"
    payload: Text


class Command(BaseModel):
    """A test-only steering frame (``fail``, ``quiet``, ``push``, ``close_with`` ...)."""

    action: str
    payload: Any = None


class EchoReply(BaseModel):
    action: Literal["echo_reply"] = "echo_reply"
    payload: Text


class Notice(BaseModel):
    action: Literal["notice"] = "notice"
    payload: Any = None


class Authentication(BaseModel):
    action: Literal["authentication"] = "authentication"
    payload: dict[str, Any]


class SayMessage(BaseModel):
    action: Literal["say"] = "say"
    payload: Text


class Said(BaseModel):
    action: Literal["said"] = "said"
    payload: Text


class Welcome(BaseModel):
    action: Literal["welcome"] = "welcome"
    payload: dict[str, Any]


Incoming = Annotated[EchoReply | Notice | Authentication, Field(discriminator="action")]
Outgoing = EchoMessage | EchoTwiceMessage | Command
RoomIncoming = Annotated[Said | Welcome, Field(discriminator="action")]
ROOM_ADAPTER: TypeAdapter[RoomIncoming] = TypeAdapter(RoomIncoming)


class WireClient(ChanxClient[Incoming, Outgoing]):
    """A client of tests.client.wire_server, shaped like a generated one."""

    address: ClassVar[str] = ""
    incoming: ClassVar[TypeAdapter[Any]] = TypeAdapter(Incoming)
