"""Consumers written as upstream chanx 2.x documents them run here unchanged.

A consumer subclassing ``AsyncJsonWebsocketConsumer[ChatEvent]`` (the quick start's and the
tutorials' form), ``broadcast_event`` without ``groups``, ``output_type=A | B``,
``passthrough_events`` and mixins' ``extra_groups``: each through a real connection, and
as the AsyncAPI document shows it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Literal, Union

import pytest
import tomllib
from pydantic import BaseModel

from chanx.asyncapi.generator import WebSocketRoute, generate_document
from chanx.asyncapi.validation import validation_errors
from chanx.channels.routing import URLRouter, path
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import channel, event_handler, ws_handler
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage
from tests.channels.helpers import collect, connect, ws_channel
from tests.project.messages import WhoAmIMessage, WhoAmIReply

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
EVENT_COMPLETE = {"action": "event_complete", "payload": None}


class ChatPayload(BaseModel):
    message: str


class NotificationPayload(BaseModel):
    alert: str
    level: str = "info"


class NewChatMessage(BaseMessage):
    action: Literal["new_chat_message"] = "new_chat_message"
    payload: ChatPayload


class ChatNotice(BaseMessage):
    action: Literal["chat_notice"] = "chat_notice"
    payload: ChatPayload


class NotificationMessage(BaseMessage):
    action: Literal["notification"] = "notification"
    payload: NotificationPayload


class SystemNotifyEvent(BaseMessage):
    """A notice from server code, turned into a notification for each client."""

    action: Literal["system_notify"] = "system_notify"
    payload: NotificationPayload


class MemberJoinedEvent(BaseMessage):
    """Someone joined the room: forwarded to every member as it is."""

    action: Literal["member_joined"] = "member_joined"
    payload: str


class MemberLeftEvent(BaseMessage):
    action: Literal["member_left"] = "member_left"
    payload: str


class ListGroupsMessage(BaseMessage):
    action: Literal["list_groups"] = "list_groups"
    payload: None = None


class GroupsMessage(BaseMessage):
    action: Literal["groups"] = "groups"
    payload: list[str]


ChatEvent = SystemNotifyEvent | MemberJoinedEvent | MemberLeftEvent


class PresenceMixin:
    """A reusable mixin: its own group and its own passthrough event."""

    extra_groups = ["presence"]
    passthrough_events = [MemberLeftEvent]


class AnnouncementsMixin:
    extra_groups = ["announcements"]


@channel(name="chat", description="Upstream's quick-start consumer")
class ChatConsumer(PresenceMixin, AnnouncementsMixin, AsyncJsonWebsocketConsumer[ChatEvent]):
    groups = ["general_chat"]
    passthrough_events = [MemberJoinedEvent]

    @ws_handler(summary="Handle ping requests")
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler(summary="Post to the room", output_type=ChatNotice | NotificationMessage)
    async def handle_new_chat_message(self, message: NewChatMessage) -> None:
        await self.broadcast_message(ChatNotice(payload=message.payload))

    @ws_handler
    async def handle_list_groups(self, message: ListGroupsMessage) -> GroupsMessage:
        return GroupsMessage(payload=self.groups)

    @ws_handler
    async def handle_whoami(self, message: WhoAmIMessage) -> WhoAmIReply:
        return WhoAmIReply(payload={"channel": self.channel_name})

    @event_handler(output_type=Union[NotificationMessage, ChatNotice])  # noqa: UP007
    async def handle_system_notify(self, event: SystemNotifyEvent) -> None:
        await self.send_message(NotificationMessage(payload=event.payload))


class RoomConsumer(ChatConsumer):
    """Groups from the URL: the class declares none, the mixins' extra groups still join."""

    groups: list[str] = []

    async def get_groups(self) -> list[str]:
        return [f"room_{self.url_kwargs['room']}"]


router = URLRouter(
    [
        path("ws/upstream/chat/", ChatConsumer.as_asgi()),
        path("ws/upstream/rooms/<str:room>/", RoomConsumer.as_asgi()),
    ]
)


def notify(alert: str) -> SystemNotifyEvent:
    return SystemNotifyEvent(payload=NotificationPayload(alert=alert))


def notification(alert: str) -> dict[str, Any]:
    return {"action": "notification", "payload": {"alert": alert, "level": "info"}}


async def test_consumer_of_the_parametrised_base_imports_routes_and_answers() -> None:
    assert ChatConsumer.as_asgi().consumer_class is ChatConsumer
    assert ChatConsumer.__chanx_spec__.declared_events == (
        SystemNotifyEvent,
        MemberJoinedEvent,
        MemberLeftEvent,
    )
    ws = await connect("/ws/upstream/chat/", router)
    await ws.send_message(PingMessage())
    assert await collect(ws) == [
        {"action": "pong", "payload": None},
        {"action": "complete", "payload": None},
    ]
    await ws.disconnect()


async def test_broadcast_event_without_groups_reaches_the_class_groups() -> None:
    ws = await connect("/ws/upstream/chat/", router)
    await ChatConsumer.broadcast_event(notify("maintenance in 5 minutes"))
    # general_chat, presence and announcements: the event reaches the client once per group.
    frames = await collect(ws, stop="event_complete")
    frames += await collect(ws, stop="event_complete")
    frames += await collect(ws, stop="event_complete")
    assert frames == [notification("maintenance in 5 minutes"), EVENT_COMPLETE] * 3
    await ws.disconnect()


def test_broadcast_event_sync_without_groups_reaches_the_class_groups() -> None:
    async def scenario() -> list[dict[str, Any]]:
        ws = await connect("/ws/upstream/chat/", router)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, ChatConsumer.broadcast_event_sync, notify("from a view"))
        frames = []
        for _group in ("general_chat", "presence", "announcements"):
            frames += await collect(ws, stop="event_complete")
        await ws.disconnect()
        return frames

    frames = asyncio.run(scenario())
    assert frames == [notification("from a view"), EVENT_COMPLETE] * 3


async def test_broadcast_event_without_groups_on_a_class_without_groups_says_what_to_do() -> None:
    class Lonely(AsyncJsonWebsocketConsumer[SystemNotifyEvent]):
        @event_handler
        async def handle_system_notify(self, event: SystemNotifyEvent) -> NotificationMessage:
            return NotificationMessage(payload=event.payload)

    with pytest.raises(ValueError, match=r"Lonely\.broadcast_event\(\) was given no groups.*"):
        await Lonely.broadcast_event(notify("nobody"))
    with pytest.raises(ValueError, match=r"pass groups=\[\.\.\.\], or set `groups`"):
        await asyncio.to_thread(Lonely.broadcast_event_sync, notify("nobody"))


async def test_extra_groups_of_two_mixins_are_joined_with_groups() -> None:
    ws = await connect("/ws/upstream/chat/", router)
    await ws.send_message(ListGroupsMessage())
    [groups, _complete] = await collect(ws)
    assert groups["payload"] == ["general_chat", "presence", "announcements"]
    for group in ("presence", "announcements"):
        await ChatConsumer.broadcast_event(notify(f"to {group}"), group)
        assert await collect(ws, stop="event_complete") == [
            notification(f"to {group}"),
            EVENT_COMPLETE,
        ]
    await ws.disconnect()


async def test_extra_groups_are_joined_whatever_get_groups_returns() -> None:
    ws = await connect("/ws/upstream/rooms/kitchen/", router)
    for group in ("room_kitchen", "presence", "announcements"):
        await RoomConsumer.broadcast_event(notify(f"to {group}"), [group])
        assert await collect(ws, stop="event_complete") == [
            notification(f"to {group}"),
            EVENT_COMPLETE,
        ]
    await ws.disconnect()


def test_extra_groups_must_be_a_list_of_names() -> None:
    with pytest.raises(TypeError, match=r"Wrong\.extra_groups must be a list of group names"):

        class Wrong(AsyncJsonWebsocketConsumer):
            extra_groups = "announcements"


async def test_passthrough_events_reach_the_client_as_sent() -> None:
    ws = await connect("/ws/upstream/chat/", router)
    await ChatConsumer.send_event(MemberJoinedEvent(payload="ann"), await ws_channel(ws))
    assert await collect(ws, stop="event_complete") == [
        {"action": "member_joined", "payload": "ann"},
        EVENT_COMPLETE,
    ]
    # The mixin's passthrough event works too: lists add up across the inheritance chain.
    await ChatConsumer.broadcast_event(MemberLeftEvent(payload="bob"), "presence")
    assert await collect(ws, stop="event_complete") == [
        {"action": "member_left", "payload": "bob"},
        EVENT_COMPLETE,
    ]
    await ws.disconnect()


async def test_union_output_types_are_the_documented_replies() -> None:
    spec = ChatConsumer.__chanx_spec__
    assert spec.ws_handlers["new_chat_message"].output_types == (ChatNotice, NotificationMessage)
    assert spec.event_handlers["system_notify"].output_types == (NotificationMessage, ChatNotice)
    ws = await connect("/ws/upstream/chat/", router)
    await ws.send_message(NewChatMessage(payload=ChatPayload(message="hi")))
    frames = await collect(ws, stop="group_complete")
    assert {"action": "chat_notice", "payload": {"message": "hi"}} in frames
    await ws.disconnect()


def _document() -> dict[str, Any]:
    return generate_document([WebSocketRoute("/ws/upstream/chat/", ChatConsumer)]).to_dict()


def _names(refs: list[dict[str, str]]) -> set[str]:
    return {ref["$ref"].rsplit("/", 1)[1] for ref in refs}


def _operations(document: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [op for op in document["operations"].values() if op["action"] == action]


def test_asyncapi_lists_broadcast_union_outputs_as_sent_messages_not_replies() -> None:
    document = _document()
    assert validation_errors(document) == []
    [post] = [
        op
        for op in _operations(document, "receive")
        if _names(op["messages"]) == {"NewChatMessage"}
    ]
    # The handler returns None and broadcasts what output_type= declares: no reply.
    assert "reply" not in post
    sends = [_names(op["messages"]) for op in _operations(document, "send")]
    assert {"NotificationMessage", "ChatNotice"} in sends


def test_asyncapi_documents_passthrough_events_as_messages_the_server_sends() -> None:
    document = _document()
    [chat] = document["channels"].values()
    assert {"MemberJoinedEvent", "MemberLeftEvent"} <= set(chat["messages"])
    sends = [_names(op["messages"]) for op in _operations(document, "send")]
    assert {"MemberJoinedEvent"} in sends
    assert {"MemberLeftEvent"} in sends
    # Never as messages the client may send.
    receives = set().union(*(_names(op["messages"]) for op in _operations(document, "receive")))
    assert not receives & {"MemberJoinedEvent", "MemberLeftEvent", "SystemNotifyEvent"}


def test_asyncapi_lists_the_events_of_the_type_parameter_on_the_channel() -> None:
    document = _document()
    [chat] = document["channels"].values()
    assert [(event["name"], event["title"]) for event in chat["x-chanx-events"]] == [
        ("system_notify", "SystemNotifyEvent"),
        ("member_joined", "MemberJoinedEvent"),
        ("member_left", "MemberLeftEvent"),
    ]
    assert chat["x-chanx-events"][0]["summary"] == (
        "A notice from server code, turned into a notification for each client."
    )
    # An event handled but not passed through is not a message of the WebSocket.
    assert "SystemNotifyEvent" not in chat["messages"]


def test_event_type_checks_are_part_of_the_mypy_run() -> None:
    # tests/channels/typing_consumer_events.py proves, under mypy, that a consumer's type
    # parameter restricts send_event/broadcast_event; it only counts if mypy checks it.
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "tests/channels/typing_consumer_events.py" in config["tool"]["mypy"]["files"]
    from tests.channels import typing_consumer_events as checks

    assert checks.ChatConsumer.__chanx_spec__.declared_events == (
        checks.ChatEvent,
        checks.SystemEvent,
    )


class EchoPayload(BaseModel):
    message: str


class QuickStartEcho(BaseMessage):
    action: Literal["echo"] = "echo"
    payload: EchoPayload


@channel(name="quickstart", description="upstream's quick start consumer, unchanged")
class QuickStartConsumer(AsyncJsonWebsocketConsumer[SystemNotifyEvent]):
    """Upstream's quick start names a handler ``handle_broadcast``: it must just work."""

    groups = ["general_chat"]

    @ws_handler(
        summary="Broadcast message to all connected clients", output_type=NotificationMessage
    )
    async def handle_broadcast(self, message: QuickStartEcho) -> None:
        await self.broadcast_message(
            NotificationMessage(
                payload=NotificationPayload(alert=f"Broadcast: {message.payload.message}")
            )
        )

    @event_handler
    async def handle_system_notify(self, event: SystemNotifyEvent) -> NotificationMessage:
        return NotificationMessage(payload=event.payload)


async def test_upstream_quick_start_handler_named_handle_broadcast_works() -> None:
    quick = URLRouter([path("ws/chat/", QuickStartConsumer.as_asgi())])
    alice = await connect("/ws/chat/", quick)
    bob = await connect("/ws/chat/", quick)
    await alice.send_to(text_data='{"action": "echo", "payload": {"message": "hi all"}}')
    await collect(alice)  # her own frame's completion (and, with it, her copy)
    frames = await collect(bob, stop="group_complete", timeout=5)
    assert frames[0]["action"] == "notification"
    assert frames[0]["payload"]["alert"] == "Broadcast: hi all"
    await QuickStartConsumer.broadcast_event(
        SystemNotifyEvent(payload=NotificationPayload(alert="maintenance", level="warning"))
    )
    frames = await collect(bob, stop="event_complete", timeout=5)
    assert frames[0]["payload"] == {"alert": "maintenance", "level": "warning"}
    await asyncio.gather(alice.disconnect(), bob.disconnect())
