"""The envelope of a multiplexed connection: read off client frames, written around replies.

A frame for one sub-consumer is ``{"version": 1, "consumer": "chat", "message": {...}}``;
the three field names and the version are chosen per demultiplexer
(:class:`EnvelopeFormat`). The envelope is never camelized: it is read off the parsed
frame before the sub-consumer sees its message, and written around the text the
sub-consumer already encoded by splicing strings, so no reply is encoded twice.

Nothing here imports Django: the AsyncAPI generator reads the same format.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from chanx.core.envelope import EnvelopeError, take_envelope
from chanx.core.wire import REF_KEY
from chanx.messages.outgoing import MultiplexErrorPayload

DEFAULT_CONSUMER_FIELD = "consumer"
"""Envelope field naming the sub-consumer a frame is for (``envelope_consumer_field``)."""

DEFAULT_MESSAGE_FIELD = "message"
"""Envelope field holding the sub-consumer's message (``envelope_message_field``)."""

DEFAULT_VERSION_FIELD = "version"
"""Envelope field carrying the envelope version (``envelope_version_field``)."""

DEFAULT_ENVELOPE_VERSION = 1
"""The envelope version stamped on replies and required of frames that state one."""

CONNECT_COMPLETE_KEY = "chanx_connect_complete"
"""Scope key of the callable a chanx consumer calls once its ``websocket_connect`` ends."""


class EnvelopeProblem(Exception):
    """A frame carrying the consumer field that cannot be routed; ``payload`` says why.

    ``ref`` is the correlation id the error goes back with (the envelope's, else the
    inner message's), when the frame had a usable one.
    """

    def __init__(self, payload: MultiplexErrorPayload, ref: str | int | None) -> None:
        super().__init__(payload.detail)
        self.payload = payload
        self.ref = ref


@dataclass(frozen=True)
class RoutedFrame:
    """A frame for sub-consumer ``key``, with its message as the text to hand it.

    ``ref`` is the correlation id an error about the frame goes back with.
    """

    key: str
    text: str
    ref: str | int | None = None


def _usable_ref(ref: Any) -> bool:
    try:
        take_envelope({REF_KEY: ref})
    except EnvelopeError:
        return False
    return True


@dataclass(frozen=True)
class EnvelopeFormat:
    """The names of the envelope's fields and its version, as one demultiplexer speaks it."""

    consumer_field: str = DEFAULT_CONSUMER_FIELD
    message_field: str = DEFAULT_MESSAGE_FIELD
    version_field: str = DEFAULT_VERSION_FIELD
    version: int = DEFAULT_ENVELOPE_VERSION
    marker: str = field(init=False, repr=False, compare=False)
    """The consumer field as it appears in JSON text: a frame without it is no envelope."""

    def __post_init__(self) -> None:
        names = (self.consumer_field, self.message_field, self.version_field)
        if not all(isinstance(name, str) and name for name in names) or len(set(names)) < 3:
            raise ValueError(
                f"envelope fields {names!r} must be three different, non-empty strings"
            )
        if isinstance(self.version, bool) or not isinstance(self.version, int):
            raise ValueError(f"envelope_version must be an integer, not {self.version!r}")
        object.__setattr__(self, "marker", json.dumps(self.consumer_field))

    def prefix(self, key: str) -> str:
        """The text every envelope for ``key`` starts with, up to its message."""
        return (
            f"{{{json.dumps(self.version_field)}:{self.version},"
            f"{json.dumps(self.consumer_field)}:{json.dumps(key, ensure_ascii=False)},"
            f"{json.dumps(self.message_field)}:"
        )

    def error(self, detail: str, key: str | None = None, **extra: Any) -> MultiplexErrorPayload:
        """The payload of an unwrapped error, naming the stream ``key`` when there is one."""
        if key is not None:
            extra[self.consumer_field] = key
        return MultiplexErrorPayload(detail=detail, **extra)

    def read(self, data: dict[str, Any]) -> RoutedFrame:
        """The routed frame a parsed client frame (holding the consumer field) stands for.

        Unknown top-level fields are ignored (a later version may add some). An envelope
        ``ref`` is handed to a message that has none of its own, so the sub-consumer's
        replies carry it; a message's own ``ref`` is handed on unchanged. Raises
        :class:`EnvelopeProblem` for an unsupported version or a malformed envelope.
        """
        key = data.get(self.consumer_field)
        message = data.get(self.message_field)
        ref = data.get(REF_KEY)
        if ref is not None and not _usable_ref(ref):
            raise EnvelopeProblem(
                self.error("Malformed envelope: 'ref' must be a string or an integer", key=None),
                None,
            )
        if ref is None and isinstance(message, dict):
            inner_ref = message.get(REF_KEY)
            if inner_ref is not None and _usable_ref(inner_ref):
                ref = inner_ref
        version = data.get(self.version_field)
        if version is not None and (isinstance(version, bool) or version != self.version):
            shown = version if isinstance(version, (int, float, str)) else type(version).__name__
            raise EnvelopeProblem(
                self.error(f"Unsupported envelope version {shown}", version=self.version), ref
            )
        if not isinstance(key, str) or not key:
            raise EnvelopeProblem(
                self.error(
                    f"Malformed envelope: {self.consumer_field!r} must be a non-empty string "
                    "naming a consumer"
                ),
                ref,
            )
        if not isinstance(message, dict):
            raise EnvelopeProblem(
                self.error(
                    f"Malformed envelope: {self.message_field!r} must be a JSON object, the "
                    f"message for consumer {key!r}",
                    key,
                ),
                ref,
            )
        if ref is not None and REF_KEY not in message:
            message = {REF_KEY: ref, **message}
        text = json.dumps(message, ensure_ascii=False, separators=(",", ":"))
        return RoutedFrame(key, text, ref)


__all__ = [
    "CONNECT_COMPLETE_KEY",
    "DEFAULT_CONSUMER_FIELD",
    "DEFAULT_ENVELOPE_VERSION",
    "DEFAULT_MESSAGE_FIELD",
    "DEFAULT_VERSION_FIELD",
    "EnvelopeFormat",
    "EnvelopeProblem",
    "RoutedFrame",
]
