"""The implementations the topic scenarios compare: many streams on one WebSocket.

* :class:`ChanxTopicsConsumer`: a chanx consumer mounting :class:`BenchRoomTopic`
  (``room:{pk}``, an ``int`` parameter, an ``authorize`` hook, a ``say`` handler that
  pushes to the topic's other subscribers).
* :class:`RawTopicsConsumer`: the same protocol written by hand on Channels'
  ``AsyncJsonWebsocketConsumer``, the way a careful user would: ``json.loads`` (Channels),
  the envelope keys (``version``, ``topic``, ``ref``) read and checked by hand, the
  topic name matched by a regex and its parameter converted, a dict of subscriptions,
  ``group_add`` / ``group_discard`` per subscription, the ``say`` frame validated by a
  Pydantic ``TypeAdapter``, pushes sent as ``group_send`` events carrying the reply dict,
  encoded by ``send_json`` for each recipient.
* :class:`FloorTopicsConsumer`: the transport floor. It finds the topic by slicing the
  frame's text, joins or leaves the topic's group, echoes the frame as its reply and
  relays a ``say`` frame to the group unparsed, with no per-message database cleanup.

All three answer the same frames (the floor with different text, by design) and keep the
same limit of :data:`MAX_SUBSCRIPTIONS` subscriptions per connection (chanx and raw).
Importing this module needs Django settings (``INSTALLED_APPS`` with ``chanx.channels``)
configured first.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer as ChannelsJsonConsumer
from channels.generic.websocket import AsyncWebsocketConsumer as ChannelsConsumer
from pydantic import TypeAdapter, ValidationError

from benchmarks.messages import TextPayload
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import ws_handler
from chanx.core.topics import Topic
from chanx.messages.base import BaseMessage

MAX_SUBSCRIPTIONS = 20
"""Topics one connection may hold at once, in both implementations."""


class SayMessage(BaseMessage):
    """Asks for its text to be pushed to the topic's other subscribers."""

    action: Literal["say"] = "say"
    payload: TextPayload


class SaidNotice(BaseMessage):
    """The push every other subscriber of the topic receives for a :class:`SayMessage`."""

    action: Literal["said"] = "said"
    payload: TextPayload


class BenchRoomTopic(Topic):
    """A room: anyone may subscribe; a ``say`` reaches the room's other subscribers."""

    pattern = "room:{pk}"

    async def authorize(self, pk: int) -> bool:
        """Admit everyone (the check a real topic does is the application's cost)."""
        return True

    @ws_handler(output_type=SaidNotice)
    async def handle_say(self, message: SayMessage) -> None:
        """Push the text to the room's other subscribers."""
        await self.broadcast_message(SaidNotice(payload=message.payload), exclude_current=True)


class ChanxTopicsConsumer(AsyncJsonWebsocketConsumer):
    """One socket, many rooms: the rooms are topics."""

    topics = (BenchRoomTopic,)
    max_subscriptions = MAX_SUBSCRIPTIONS


_ROOM = re.compile(r"room:(?P<pk>[^:/\s]{1,100})")
_SAY: TypeAdapter[SayMessage] = TypeAdapter(SayMessage)
_MAX_REF = 64
_MAX_TOPIC = 200


def _topic_error(
    topic: str, ref: Any, detail: str, reason: str | None, errors: Any = None
) -> dict[str, Any]:
    return _topic_frame(topic, ref, "error", {"detail": detail, "errors": errors, "reason": reason})


def _topic_frame(topic: str, ref: Any, action: str, payload: Any = None) -> dict[str, Any]:
    frame: dict[str, Any] = {"version": 1, "topic": topic}
    if ref is not None:
        frame["ref"] = ref
    frame["action"] = action
    frame["payload"] = payload
    return frame


def _envelope_problem(ref: Any, topic: Any, version: Any) -> str | None:
    """What is wrong with a frame's envelope keys, or None."""
    if ref is not None and (
        isinstance(ref, bool)
        or not isinstance(ref, (str, int))
        or (isinstance(ref, str) and not 0 < len(ref) <= _MAX_REF)
        or (isinstance(ref, int) and len(str(abs(ref))) > _MAX_REF)
    ):
        return f"'ref' must be a string of 1 to {_MAX_REF} characters or an integer"
    if version is not None and (isinstance(version, bool) or version != 1):
        return f"Unsupported envelope version {version}"
    if topic is not None and (not isinstance(topic, str) or not 0 < len(topic) <= _MAX_TOPIC):
        return f"'topic' must be a string of 1 to {_MAX_TOPIC} characters"
    return None


class RawTopicsConsumer(ChannelsJsonConsumer):  # type: ignore[misc]
    """The same topics protocol, hand-written on Channels' ``AsyncJsonWebsocketConsumer``."""

    subscriptions: dict[str, str]

    async def connect(self) -> None:
        """Accept; subscriptions come later, one frame each."""
        self.subscriptions = {}
        await self.accept()

    async def disconnect(self, code: int) -> None:
        """Leave every subscribed topic's group."""
        subscriptions, self.subscriptions = self.subscriptions, {}
        for group in subscriptions.values():
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Read the envelope, then subscribe, unsubscribe or handle the topic's frame."""
        if not isinstance(content, dict):
            await self.send_json({"action": "error", "payload": {"detail": "Not an object"}})
            return
        ref = content.pop("ref", None)
        topic = content.pop("topic", None)
        version = content.pop("version", None)
        problem = _envelope_problem(ref, topic, version)
        if problem is not None or topic is None:
            reply: dict[str, Any] = {} if ref is None or "ref" in (problem or "") else {"ref": ref}
            reply["action"] = "error"
            reply["payload"] = {"detail": problem or "This endpoint has no topics"}
            await self.send_json(reply)
            return
        action = content.get("action")
        if action == "subscribe":
            await self.subscribe(topic, ref)
        elif action == "unsubscribe":
            await self.unsubscribe(topic, ref)
        elif topic not in self.subscriptions:
            await self.send_json(
                _topic_error(topic, ref, "Not subscribed to this topic", "not_subscribed")
            )
        elif action != "say":
            detail = "Unknown or missing action"
            await self.send_json(_topic_error(topic, ref, detail, None))
        else:
            await self.handle_say(topic, ref, content)

    async def subscribe(self, topic: str, ref: Any) -> None:
        """Match the topic, check the limit and the authorization, join its group."""
        if topic in self.subscriptions:
            await self.send_json(_topic_frame(topic, ref, "subscribed"))
            return
        found = _ROOM.fullmatch(topic)
        pk: int | None = None
        if found is not None:
            try:
                pk = int(found.group("pk"))
            except ValueError:
                pk = None
        if pk is None:
            await self.send_json(_topic_error(topic, ref, "Unknown topic", "unknown_topic"))
            return
        if len(self.subscriptions) >= MAX_SUBSCRIPTIONS:
            detail = f"At most {MAX_SUBSCRIPTIONS} subscriptions per connection"
            await self.send_json(_topic_error(topic, ref, detail, "too_many_subscriptions"))
            return
        if not await self.authorize(pk):
            await self.send_json(_topic_error(topic, ref, "Subscription refused", "unauthorized"))
            return
        group = f"topic.room.{pk}"
        self.subscriptions[topic] = group
        await self.channel_layer.group_add(group, self.channel_name)
        await self.send_json(_topic_frame(topic, ref, "subscribed"))

    async def authorize(self, pk: int) -> bool:
        """Admit everyone, as :class:`BenchRoomTopic` does."""
        return True

    async def unsubscribe(self, topic: str, ref: Any) -> None:
        """Leave the topic's group (if subscribed) and confirm."""
        group = self.subscriptions.pop(topic, None)
        if group is not None:
            await self.channel_layer.group_discard(group, self.channel_name)
        await self.send_json(_topic_frame(topic, ref, "unsubscribed"))

    async def handle_say(self, topic: str, ref: Any, content: dict[str, Any]) -> None:
        """Validate the frame and push its text to the topic's other subscribers."""
        try:
            message = _SAY.validate_python(content)
        except ValidationError as exc:
            errors = exc.errors(include_url=False, include_context=False, include_input=False)
            # Located under the action, as for a discriminated union of several messages.
            for error in errors:
                error["loc"] = ("say", *error["loc"])
            detail = "Message validation failed"
            await self.send_json(_topic_error(topic, ref, detail, None, errors))
            return
        notice = _topic_frame(topic, None, "said", message.payload.model_dump())
        await self.channel_layer.group_send(
            self.subscriptions[topic],
            {"type": "topic.push", "topic": topic, "message": notice, "sender": self.channel_name},
        )

    async def topic_push(self, event: dict[str, Any]) -> None:
        """Deliver a push to this client unless it sent it or has left the topic since."""
        if event["sender"] != self.channel_name and event["topic"] in self.subscriptions:
            await self.send_json(event["message"])


_TOPIC_MARK = '"topic": "'
_TEXT = '"payload": {"text": '


class FloorTopicsConsumer(ChannelsConsumer):  # type: ignore[misc]
    """Joins, leaves and relays by slicing text; echoes every frame. Nothing is parsed.

    It relies on the benchmark's frames (``json.dumps`` with ``topic`` before ``action``).
    """

    groups_by_topic: dict[str, str]

    async def connect(self) -> None:
        """Accept."""
        self.groups_by_topic = {}
        await self.accept()

    async def disconnect(self, code: int) -> None:
        """Leave every joined group."""
        for group in self.groups_by_topic.values():
            await self.channel_layer.group_discard(group, self.channel_name)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Route by type without Channels' per-message database cleanup (a thread hop)."""
        kind = message["type"]
        if kind == "websocket.receive":
            await self.receive(text_data=message.get("text"))
        elif kind == "floor.text":
            if message["sender"] != self.channel_name:
                await self.send(text_data=message["text"])
        else:
            await super().dispatch(message)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Join, leave or relay by the text of the action; answer with the frame."""
        text = text_data or ""
        start = text.index(_TOPIC_MARK) + len(_TOPIC_MARK)
        topic = text[start : text.index('"', start)]
        group = "topic.floor." + topic.replace(":", "_")
        if '"action": "say"' in text and topic in self.groups_by_topic and _TEXT in text:
            await self.channel_layer.group_send(
                group, {"type": "floor.text", "text": text, "sender": self.channel_name}
            )
            return
        if '"action": "subscribe"' in text:
            self.groups_by_topic[topic] = group
            await self.channel_layer.group_add(group, self.channel_name)
        elif '"action": "unsubscribe"' in text and topic in self.groups_by_topic:
            del self.groups_by_topic[topic]
            await self.channel_layer.group_discard(group, self.channel_name)
        await self.send(text_data=text)


class RawTopicsConsumerWithoutCleanup(RawTopicsConsumer):
    """:class:`RawTopicsConsumer` minus Channels' per-message database cleanup (a thread
    hop); measured on request (``--raw-without-cleanup``), not the baseline."""

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Call the handler for the message type directly."""
        await getattr(self, get_handler_name(message))(message)
