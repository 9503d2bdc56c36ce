"""Messages used by the test consumers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from chanx.messages.base import BaseMessage


class TextPayload(BaseModel):
    text: str


class EchoMessage(BaseMessage):
    action: Literal["echo"] = "echo"
    payload: TextPayload


class EchoReply(BaseMessage):
    action: Literal["echo_reply"] = "echo_reply"
    payload: TextPayload


class Item(BaseModel):
    name: str
    quantity: int
    tags: list[str]


class OrderPayload(BaseModel):
    order_id: int
    customer_name: str
    items: list[Item]


class OrderMessage(BaseMessage):
    action: Literal["order"] = "order"
    payload: OrderPayload


class OrderReply(BaseMessage):
    action: Literal["order_reply"] = "order_reply"
    payload: OrderPayload


class ShoutMessage(BaseMessage):
    action: Literal["shout"] = "shout"
    payload: TextPayload


class ShoutNotice(BaseMessage):
    action: Literal["shout_notice"] = "shout_notice"
    payload: TextPayload


class CrashMessage(BaseMessage):
    action: Literal["crash"] = "crash"
    payload: None = None


class SlowMessage(BaseMessage):
    action: Literal["slow"] = "slow"
    payload: float


class NotifyEvent(BaseMessage):
    action: Literal["notify"] = "notify"
    payload: TextPayload


class Notification(BaseMessage):
    action: Literal["notification"] = "notification"
    payload: TextPayload


class WhoAmIMessage(BaseMessage):
    action: Literal["whoami"] = "whoami"
    payload: None = None


class WhoAmIReply(BaseMessage):
    action: Literal["whoami_reply"] = "whoami_reply"
    payload: dict[str, str]
