"""The routing keys a frame may carry beside its message: ``ref``, ``topic``, ``version``.

A client frame is a message (``action``, ``payload``) that may also carry a correlation id
(``ref``), the topic it is for, and the envelope version. They are read off the parsed
frame before the message is validated, and written back onto replies by splicing a
prefix into the reply's already-encoded JSON text, so no reply is encoded twice.

Most frames carry none of them: :func:`may_carry_envelope` tells, with substring
searches costing tens of nanoseconds, when a frame must be parsed to look.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any, Literal

from chanx.core.wire import (
    ENVELOPE_VERSION,
    MAX_REF_LENGTH,
    REF_KEY,
    SEQ_KEY,
    TOPIC_KEY,
    VERSION_KEY,
)
from chanx.messages.base import BaseMessage
from chanx.messages.outgoing import ErrorMessage, ErrorPayload

_REF_TEXT, _TOPIC_TEXT, _VERSION_TEXT = (f'"{key}"' for key in (REF_KEY, TOPIC_KEY, VERSION_KEY))
_REF_BYTES, _TOPIC_BYTES, _VERSION_BYTES = (
    marker.encode() for marker in (_REF_TEXT, _TOPIC_TEXT, _VERSION_TEXT)
)

MAX_TOPIC_LENGTH = 200
"""Longest topic name accepted, in characters."""


class UnsupportedVersionPayload(ErrorPayload):
    """The error payload of a frame in an envelope version this server does not speak."""

    version: int = ENVELOPE_VERSION


class UnsupportedVersionMessage(BaseMessage):
    """Sent for a frame whose envelope `version` this server does not speak; the frame is
    not handled and the connection goes on. `version` is the one it speaks."""

    action: Literal["error"] = "error"
    payload: UnsupportedVersionPayload


class EnvelopeError(Exception):
    """A frame whose routing keys are unusable: ``reply`` says why, ``prefix`` what to echo."""

    def __init__(self, reply: BaseMessage, prefix: str = "") -> None:
        super().__init__(reply.payload.detail)
        self.reply = reply
        self.prefix = prefix


def may_carry_envelope(frame: str | bytes) -> bool:
    """Whether ``frame`` might hold a routing key (it surely does not when this is False)."""
    # Spelled out rather than looped: this runs for every frame.
    if isinstance(frame, str):
        return _REF_TEXT in frame or _TOPIC_TEXT in frame or _VERSION_TEXT in frame
    return _REF_BYTES in frame or _TOPIC_BYTES in frame or _VERSION_BYTES in frame


def _fragment(key: str, value: Any) -> str:
    return f"{json.dumps(key)}:{json.dumps(value, ensure_ascii=False)},"


@dataclass(frozen=True)
class Envelope:
    """The routing keys of one client frame."""

    ref: str | int | None = None
    topic: str | None = None

    @property
    def reply_prefix(self) -> str:
        """The keys every reply to this frame starts with (empty for a bare frame)."""
        prefix = topic_prefix(self.topic) if self.topic is not None else ""
        if self.ref is not None:
            prefix += _fragment(REF_KEY, self.ref)
        return prefix


_VERSION_FRAGMENT = _fragment(VERSION_KEY, ENVELOPE_VERSION)


@functools.lru_cache(maxsize=4096)
def topic_prefix(topic: str) -> str:
    """The keys a frame on ``topic`` starts with: the envelope version and the topic.

    Cached: a connection sends many frames on the few topics it is subscribed to.
    """
    return _VERSION_FRAGMENT + _fragment(TOPIC_KEY, topic)


def seq_fragment(seq: int) -> str:
    """The ``seq`` key of a push, as a prefix fragment."""
    return _fragment(SEQ_KEY, seq)


def with_prefix(text: str, prefix: str) -> str:
    """``text`` (an encoded JSON object) with the ``prefix`` keys first."""
    return "{" + prefix + text[1:] if prefix else text


def _valid_ref(ref: Any) -> bool:
    if isinstance(ref, bool):
        return False
    if isinstance(ref, str):
        return 0 < len(ref) <= MAX_REF_LENGTH
    if isinstance(ref, int):
        return len(str(abs(ref))) <= MAX_REF_LENGTH
    return False


def take_envelope(data: dict[str, Any]) -> Envelope:
    """Remove the routing keys from a parsed frame and return them.

    Raises :class:`EnvelopeError` for an unusable ``ref``, ``topic`` or ``version``; the
    error echoes the ``ref`` when it is usable, so the client can match it.
    """
    ref = data.pop(REF_KEY, None)
    topic = data.pop(TOPIC_KEY, None)
    version = data.pop(VERSION_KEY, None)
    if ref is not None and not _valid_ref(ref):
        raise EnvelopeError(
            ErrorMessage(
                payload=ErrorPayload(
                    detail=f"'ref' must be a string of 1 to {MAX_REF_LENGTH} characters "
                    "or an integer"
                )
            )
        )
    echo = _fragment(REF_KEY, ref) if ref is not None else ""
    if version is not None and (isinstance(version, bool) or version != ENVELOPE_VERSION):
        shown = version if isinstance(version, (int, float, str)) else type(version).__name__
        raise EnvelopeError(
            UnsupportedVersionMessage(
                payload=UnsupportedVersionPayload(detail=f"Unsupported envelope version {shown}")
            ),
            echo,
        )
    if topic is not None and (
        not isinstance(topic, str) or not topic or len(topic) > MAX_TOPIC_LENGTH
    ):
        raise EnvelopeError(
            ErrorMessage(
                payload=ErrorPayload(
                    detail=f"'topic' must be a string of 1 to {MAX_TOPIC_LENGTH} characters"
                )
            ),
            echo,
        )
    return Envelope(ref=ref, topic=topic)


__all__ = [
    "MAX_TOPIC_LENGTH",
    "Envelope",
    "EnvelopeError",
    "UnsupportedVersionMessage",
    "UnsupportedVersionPayload",
    "may_carry_envelope",
    "seq_fragment",
    "take_envelope",
    "topic_prefix",
    "with_prefix",
]
