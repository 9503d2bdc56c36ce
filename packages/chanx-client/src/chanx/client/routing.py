"""Where each received frame goes: a waiting request, a topic, or the message iterator.

A :class:`MessageRoute` is one stream of messages on a socket: the client's own (one per
:class:`~chanx.client.ChanxClient`) and, on a multiplexed socket, one per sub-consumer
stream. It validates with its stream's adapter and holds its stream's iterator and topic
handles; the table of waiting requests belongs to the socket and is shared.

The per-frame path parses and validates once: a frame without routing keys is validated
straight from its text, a reply that starts with an integer ``ref`` (as chanx writes them)
is matched and validated from the rest of its text, and anything else is parsed with
``json.loads``, its routing keys taken off, and validated from the dict.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import TypeAdapter, ValidationError

from chanx.client.envelope import (
    ACTION_KEY,
    COMPLETE_ACTION,
    ERROR_ACTION,
    REF_KEY,
    SEQ_KEY,
    SIGNAL_ACTIONS,
    TOPIC_KEY,
    VERSION_KEY,
    may_carry_envelope,
    plain_action,
)
from chanx.client.inbox import Inbox
from chanx.client.pending import PendingRequests

if TYPE_CHECKING:
    from chanx.client.topics import TopicHandle

logger = logging.getLogger("chanx.client")

InT = TypeVar("InT")

_REF_START = '{"ref":'
_REF_START_LENGTH = len(_REF_START)
_NOT_PLAIN_REPLIES = frozenset({COMPLETE_ACTION, ERROR_ACTION, None})


def parse_object(frame: str, source: str) -> dict[str, Any] | None:
    """``frame`` parsed, when it is a JSON object; None (logged) when it is not."""
    try:
        data = json.loads(frame)
    except ValueError:
        logger.warning("chanx client %s: skipped a frame that is not JSON", source)
        return None
    if type(data) is not dict:
        logger.warning("chanx client %s: skipped a frame that is not an object", source)
        return None
    return data


def _action_of(frame: str) -> object:
    """The action of a frame that failed validation (parsed again: the failure path only)."""
    try:
        data = json.loads(frame)
    except ValueError:
        return None
    return data.get(ACTION_KEY) if isinstance(data, dict) else None


def _unknown_action(exc: ValidationError) -> bool:
    """Whether validation failed on the discriminator: an action this client does not know."""
    for error in exc.errors():
        if error["type"].startswith("union_tag") or tuple(error["loc"][:1]) == (ACTION_KEY,):
            return True
    return False


class MessageRoute(Generic[InT]):
    """One stream's received frames: replies to its requests, its topics' pushes, the rest.

    ``source`` names the stream in log lines (the client's URL, plus the stream's key).
    """

    __slots__ = ("adapter", "inbox", "requests", "source", "topics")

    def __init__(self, source: str, adapter: TypeAdapter[Any], requests: PendingRequests) -> None:
        self.source = source
        self.adapter = adapter
        self.requests = requests
        self.inbox: Inbox[InT] = Inbox()
        self.topics: dict[str, TopicHandle[Any]] = {}

    def renew_inbox(self) -> None:
        """A fresh iterator for a new session, if the last one ended."""
        if self.inbox.ended:
            self.inbox = Inbox()

    def end(self, error: BaseException | None) -> None:
        """No more frames: end the iterator and the topics' (with ``error``)."""
        self.inbox.end(error)
        for handle in list(self.topics.values()):
            handle._drop(error)

    def on_frame(self, frame: str) -> None:
        """Route one frame received as text."""
        if may_carry_envelope(frame):
            if frame.startswith(_REF_START) and self.requests.waiting:
                self._on_reply(frame)
            else:
                data = parse_object(frame, self.source)
                if data is not None:
                    self.on_data(data)
            return
        if plain_action(frame) in SIGNAL_ACTIONS:
            return
        try:
            message = self.adapter.validate_json(frame)
        except ValidationError as exc:
            self.skip(_action_of(frame), exc)
            return
        self.inbox.put(message)

    def _on_reply(self, frame: str) -> None:
        """A frame starting with an integer ``ref``, as chanx writes replies to requests.

        When nothing but that ``ref`` precedes the message, the ref is read from the text
        and the message validated straight from JSON: the frame is parsed once, by pydantic.
        Anything else takes the general path (:meth:`on_data`).
        """
        comma = frame.find(",", _REF_START_LENGTH)
        digits = frame[_REF_START_LENGTH:comma]
        if comma > 0 and digits.isdigit():
            ref = int(digits)
            waiting = self.requests.waiting
            pending = waiting.get(ref)
            body = "{" + frame[comma + 1 :]
            if (
                pending is not None
                and pending.adapter is not None
                and not pending.future.done()
                and plain_action(body) not in _NOT_PLAIN_REPLIES
                and not may_carry_envelope(body)
            ):
                del waiting[ref]
                pending.settle_json(body)
                return
        data = parse_object(frame, self.source)
        if data is not None:
            self.on_data(data)

    def on_data(self, data: dict[str, Any]) -> None:
        """Route one parsed frame: take its routing keys off, then settle, deliver or queue."""
        ref = data.pop(REF_KEY, None)
        topic = data.pop(TOPIC_KEY, None)
        data.pop(VERSION_KEY, None)
        seq = data.pop(SEQ_KEY, None)
        if type(ref) is int:
            # Taken off at once: a handler's further replies with this ref, which may arrive
            # before the requester resumes, go to the iterator.
            pending = self.requests.pop(ref)
            if pending is not None and not pending.future.done():
                pending.settle(data)
                return
        action = data.get(ACTION_KEY)
        if type(action) is str and action in SIGNAL_ACTIONS:
            return
        if topic is not None:
            handle = self.topics.get(topic) if type(topic) is str else None
            if handle is None or not handle._wanted:
                logger.debug("chanx client %s: skipped %s on topic %r", self.source, action, topic)
                return
            handle._deliver(data, seq)
            return
        message = self.validated(self.adapter, data)
        if message is not None:
            self.inbox.put(message)

    def validated(self, adapter: TypeAdapter[Any], data: dict[str, Any]) -> Any | None:
        """``data`` validated with ``adapter``; None (logged) when it does not validate."""
        try:
            return adapter.validate_python(data)
        except ValidationError as exc:
            self.skip(data.get(ACTION_KEY), exc)
            return None

    def skip(self, action: object, exc: ValidationError) -> None:
        """Log a frame that did not validate: at debug for an unknown action (a newer server)."""
        if _unknown_action(exc):
            logger.debug("chanx client %s: skipped unknown action %r", self.source, action)
        else:
            logger.warning(
                "chanx client %s: skipped a %r frame that does not match its model: %s",
                self.source,
                action,
                exc,
            )


__all__ = ["MessageRoute", "parse_object"]
