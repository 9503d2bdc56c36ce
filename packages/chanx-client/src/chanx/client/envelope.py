"""The routing keys of a chanx frame (``ref``, ``topic``, ``version``, ``seq``), on the client.

Outgoing, they are spliced in front of the message's own JSON text, so a message is
serialized exactly once (``model_dump_json``). Incoming, they are read off the parsed
frame and removed before the message is validated; a frame that cannot hold any of them
(a substring search) is validated straight from its text, so it is parsed once either way.
"""

from __future__ import annotations

import json
from typing import Final

from pydantic import BaseModel

ACTION_KEY: Final = "action"
PAYLOAD_KEY: Final = "payload"
REF_KEY: Final = "ref"
TOPIC_KEY: Final = "topic"
VERSION_KEY: Final = "version"
SEQ_KEY: Final = "seq"

ENVELOPE_VERSION: Final = 1
"""The envelope version this client speaks (sent on every topic frame)."""

MAX_REF_LENGTH: Final = 64
"""Longest ``ref`` a chanx server accepts, in characters or digits."""

ERROR_ACTION: Final = "error"
COMPLETE_ACTION: Final = "complete"
SUBSCRIBE_ACTION: Final = "subscribe"
UNSUBSCRIBE_ACTION: Final = "unsubscribe"
SUBSCRIBED_ACTION: Final = "subscribed"
UNSUBSCRIBED_ACTION: Final = "unsubscribed"

SIGNAL_ACTIONS: Final = frozenset(
    {COMPLETE_ACTION, "group_complete", "event_complete", SUBSCRIBED_ACTION, UNSUBSCRIBED_ACTION}
)
"""Actions of the server's protocol signals: never handed to the caller as messages."""

_MARKERS: Final = tuple(f'"{key}"' for key in (REF_KEY, TOPIC_KEY, VERSION_KEY, SEQ_KEY))
_PLAIN_START: Final = '{"action":"'


def may_carry_envelope(frame: str) -> bool:
    """Whether ``frame`` might hold a routing key (it surely does not when this is False)."""
    ref, topic, version, seq = _MARKERS
    return ref in frame or topic in frame or version in frame or seq in frame


def plain_action(frame: str) -> str | None:
    """The action of a frame without routing keys, read from its text when it comes first.

    chanx writes ``action`` first, so protocol signals (``complete``) can be skipped without
    validating them; None when the frame does not start that way.
    """
    if frame.startswith(_PLAIN_START):
        end = frame.find('"', 11)
        if end > 0:
            return frame[11:end]
    return None


def check_ref(ref: str | int) -> None:
    """Refuse a ``ref`` a chanx server would refuse, before it is sent."""
    if isinstance(ref, bool) or not isinstance(ref, (str, int)):
        raise TypeError(f"ref must be a str or an int, got {type(ref).__name__}")
    if len(ref if isinstance(ref, str) else str(abs(ref))) > MAX_REF_LENGTH or ref == "":
        raise ValueError(f"ref must have 1 to {MAX_REF_LENGTH} characters, got {ref!r}")


def envelope_prefix(ref: str | int | None, topic: str | None) -> str:
    """The routing keys to put first in a frame, as JSON text ending with a comma."""
    prefix = ""
    if topic is not None:
        prefix = f'"{VERSION_KEY}":{ENVELOPE_VERSION},"{TOPIC_KEY}":{json.dumps(topic)},'
    if ref is not None:
        # An int's JSON text is its str(), which costs a tenth of json.dumps.
        shown = str(ref) if type(ref) is int else json.dumps(ref)
        prefix += f'"{REF_KEY}":{shown},'
    return prefix


def encode(message: BaseModel, prefix: str = "") -> str:
    """The frame of ``message`` with the routing keys ``prefix`` spliced in first."""
    text = message.model_dump_json(by_alias=True)
    if not prefix:
        return text
    if text == "{}":
        return "{" + prefix[:-1] + "}"
    return "{" + prefix + text[1:]


def encode_signal(action: str, prefix: str) -> str:
    """A protocol frame without payload (``subscribe``, ``unsubscribe``) with its routing keys."""
    return "{" + prefix + f'"{ACTION_KEY}":{json.dumps(action)}}}'


__all__ = [
    "ACTION_KEY",
    "COMPLETE_ACTION",
    "ENVELOPE_VERSION",
    "ERROR_ACTION",
    "MAX_REF_LENGTH",
    "PAYLOAD_KEY",
    "REF_KEY",
    "SEQ_KEY",
    "SIGNAL_ACTIONS",
    "SUBSCRIBED_ACTION",
    "SUBSCRIBE_ACTION",
    "TOPIC_KEY",
    "UNSUBSCRIBED_ACTION",
    "UNSUBSCRIBE_ACTION",
    "VERSION_KEY",
    "check_ref",
    "encode",
    "encode_signal",
    "envelope_prefix",
    "may_carry_envelope",
    "plain_action",
]
