"""The chat's wire protocol: every message a client sends or receives, typed."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from chanx.messages.base import BaseMessage


class Text(BaseModel):
    text: str = Field(min_length=1, max_length=2000)


class Typing(BaseModel):
    typing: bool


class JoinMessage(BaseMessage):
    """Ask for the room's member list (sent once after connecting)."""

    action: Literal["join"] = "join"
    payload: None = None


class ChatMessage(BaseMessage):
    """Say something to the room."""

    action: Literal["message"] = "message"
    payload: Text


class TypingMessage(BaseMessage):
    """Start or stop typing."""

    action: Literal["typing"] = "typing"
    payload: Typing


class Author(BaseModel):
    user: str


class RoomInfo(BaseModel):
    room: str
    user: str


class Said(BaseModel):
    user: str
    text: str


class TypingState(BaseModel):
    user: str
    typing: bool


class JoinedMessage(BaseMessage):
    """Sent to the joining client: which room, as whom.

    The reply to `join`, sent only to the client that joined; the others get a
    `member_joined` instead.
    """

    action: Literal["joined"] = "joined"
    payload: RoomInfo


class MemberJoinedMessage(BaseMessage):
    """Sent to the others in the room when someone joins.

    The client that joined does not get it: it gets `joined`.
    """

    action: Literal["member_joined"] = "member_joined"
    payload: Author


class RoomMessage(BaseMessage):
    """Something said in the room, sent to everyone in it (sender included).

    The sender sees its own message come back this way, in the room's order, rather than
    as a reply.
    """

    action: Literal["room_message"] = "room_message"
    payload: Said


class TypingNotice(BaseMessage):
    """Someone else started or stopped typing.

    Sent to everyone in the room except the one typing, each time a `typing` frame
    arrives.
    """

    action: Literal["typing_notice"] = "typing_notice"
    payload: TypingState


class AnnouncementEvent(BaseMessage):
    """Server-side event: an announcement from a view or a management command."""

    action: Literal["announcement"] = "announcement"
    payload: Text


class AnnouncementMessage(BaseMessage):
    """An announcement, as the clients see it."""

    action: Literal["announcement_message"] = "announcement_message"
    payload: Text


class ListedRoom(BaseModel):
    """A room of the hub page's list, as saved in the admin."""

    id: int
    name: str
    title: str
    created: datetime


class RoomListMessage(BaseMessage):
    """Every public room, sent once right after subscribing to `rooms`.

    The changes that follow come as `created`, `updated`, `removed` and `deleted`, keyed
    by the room's `id`.
    """

    action: Literal["room_list"] = "room_list"
    payload: list[ListedRoom]
