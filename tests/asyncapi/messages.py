"""Messages of the AsyncAPI test consumers; several consumers share some of them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from chanx.messages.base import BaseMessage


class Author(BaseModel):
    display_name: str
    user_id: int


class ChatPayload(BaseModel):
    """A chat line and who wrote it."""

    message_text: str
    author: Author


class SendChat(BaseMessage):
    """A chat line from the client."""

    action: Literal["send_chat"] = "send_chat"
    payload: ChatPayload


class ChatPosted(BaseMessage):
    """A chat line, as broadcast to the room."""

    action: Literal["chat_posted"] = "chat_posted"
    payload: ChatPayload


class SystemNotice(BaseMessage):
    """A server announcement (an event from server code)."""

    action: Literal["system_notice"] = "system_notice"
    payload: str


class NoticeDelivered(BaseMessage):
    action: Literal["notice_delivered"] = "notice_delivered"
    payload: str


class Item(BaseModel):
    """An item in the shop module's sense (see tests.asyncapi.shop.models.Item)."""

    label: str


class Box(BaseModel):
    items: list[Item]


class PackBox(BaseMessage):
    action: Literal["pack_box"] = "pack_box"
    payload: Box
