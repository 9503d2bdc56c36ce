"""Request/reply correlation in the document: the ``ref`` a client may put on any frame.

A client frame may carry ``"ref"`` (a string of 1 to 64 characters, or an integer) and
``"version": 1``; every frame the server sends while handling it (the handler's return
value, what it sends with ``send_message``, the frame's ``error`` and ``complete``)
carries the same ``ref`` back. Server pushes (broadcasts, events, group and event
completions) never carry one.

Message schemas forbid unknown keys (``additionalProperties: false``), so a schema that
did not list these keys would call a valid frame invalid. This module therefore adds
``ref`` (and ``version`` on what clients send) to the schemas of the messages that can be
requests or replies, and gives those messages a ``correlationId`` pointing at
``$message.payload#/ref``, shared in ``components/correlationIds``.

Which messages can be replies is read from the handlers: a ``@ws_handler``'s input, every
message it declares (``output_type`` or return annotation: the types cannot tell a
``send_message`` reply from a broadcast, and a reply that carries a ``ref`` the schema
forbids would be worse than an optional key a broadcast never uses), ``error`` and
``complete``. Event-handler outputs are pushes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from chanx.asyncapi.models import CorrelationId, Message, Reference
from chanx.core.discovery import ConsumerSpec
from chanx.core.envelope import UnsupportedVersionMessage
from chanx.core.wire import ENVELOPE_VERSION, MAX_REF_LENGTH, REF_KEY, VERSION_KEY
from chanx.messages.base import BaseMessage
from chanx.messages.outgoing import CompleteMessage, ErrorMessage

CORRELATION_ID_NAME: Final = REF_KEY
"""The key of the shared correlation id in ``components/correlationIds``."""

CORRELATION_ID_REF: Final = f"#/components/correlationIds/{CORRELATION_ID_NAME}"

CORRELATION_ID: Final = CorrelationId(
    description=(
        f"The `{REF_KEY}` the client put on its frame (a string of 1 to {MAX_REF_LENGTH} "
        "characters, or an integer): every frame the server sends while handling that frame "
        "carries it back (the handler's replies, the frame's `error` and `complete`). "
        "Pushes (broadcasts, events) never carry one."
    ),
    location=f"$message.payload#/{REF_KEY}",
)
"""The ``correlationId`` every request and reply shares."""

REPLY_MESSAGES: Final[tuple[type[BaseMessage], ...]] = (
    ErrorMessage,
    UnsupportedVersionMessage,
    CompleteMessage,
)
"""Built-in messages that answer one client frame, so they carry its ``ref``."""

ENVELOPE_MESSAGES: Final[tuple[type[BaseMessage], ...]] = (UnsupportedVersionMessage,)
"""What any chanx consumer may send because of the envelope keys of a frame."""


def ref_schema() -> dict[str, Any]:
    """The JSON Schema of a ``ref`` value."""
    return {
        "description": "Correlation id: replies to this frame carry it back.",
        "anyOf": [
            {"type": "string", "minLength": 1, "maxLength": MAX_REF_LENGTH},
            {"type": "integer"},
        ],
    }


def version_schema() -> dict[str, Any]:
    """The JSON Schema of the envelope ``version``."""
    return {
        "description": "Envelope version; a frame with another version is refused.",
        "const": ENVELOPE_VERSION,
    }


def reply_capable(specs: Iterable[ConsumerSpec]) -> set[type[BaseMessage]]:
    """The messages that can carry a ``ref`` among what ``specs`` handle and send."""
    found: set[type[BaseMessage]] = set(REPLY_MESSAGES)
    for spec in specs:
        for handler in spec.ws_handlers.values():
            found.add(handler.input_type)
            found.update(handler.output_types)
    return found


def with_envelope_keys(
    schema: dict[str, Any], *, request: bool, extra: Mapping[str, dict[str, Any]] = {}
) -> dict[str, Any]:
    """``schema`` (a message's, unchanged) with ``ref``, ``version`` when ``request``, and
    ``extra`` properties first, as frames carry them.

    A key the message already defines is left as the message defines it.
    """
    envelope = {**extra, REF_KEY: ref_schema()}
    if request:
        envelope[VERSION_KEY] = version_schema()
    properties = schema.get("properties", {})
    merged = {key: value for key, value in envelope.items() if key not in properties}
    return {**schema, "properties": {**merged, **properties}}


def add_ref_keys(
    schemas: dict[str, dict[str, Any]],
    message_keys: Mapping[type[BaseMessage], str],
    *,
    requests: Iterable[type[BaseMessage]],
    replies: Iterable[type[BaseMessage]],
) -> set[str]:
    """List ``ref`` (and ``version`` for ``requests``) in those messages' schemas.

    Returns the component keys of the messages changed, which get a ``correlationId``.
    """
    incoming = set(requests)
    changed = set()
    for cls in [*incoming, *replies]:
        key = message_keys.get(cls)
        if key is None or key in changed:
            continue
        schemas[key] = with_envelope_keys(schemas[key], request=cls in incoming)
        changed.add(key)
    return changed


def correlate(messages: Mapping[str, Message], keys: Iterable[str]) -> None:
    """Point the messages ``keys`` at the shared correlation id."""
    for key in keys:
        message = messages.get(key)
        if message is not None:
            message.correlation_id = Reference(ref=CORRELATION_ID_REF)


__all__ = [
    "CORRELATION_ID",
    "CORRELATION_ID_NAME",
    "CORRELATION_ID_REF",
    "ENVELOPE_MESSAGES",
    "REPLY_MESSAGES",
    "add_ref_keys",
    "correlate",
    "ref_schema",
    "reply_capable",
    "version_schema",
    "with_envelope_keys",
]
