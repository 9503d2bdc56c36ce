"""How a multiplexed route is documented: one channel per stream, all at one address.

A demultiplexer (``chanx.channels.multiplex``) describes what it serves in
``__chanx_multiplex__``, read here without importing it (the generator imports no
Django). Its route becomes the demultiplexer's own channel (its handlers, the
``multiplex_ready`` handshake and its routing errors) plus one channel per envelope key,
``<demultiplexer>_<key>``, documenting the sub-consumer's inner messages. Every one of
them carries ``x-chanx-multiplex`` (:class:`~chanx.asyncapi.models.MultiplexExtension`),
which tells a client how to build the envelope; only the sub-consumers' have a
``consumerKey``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from chanx.asyncapi.models import MultiplexExtension
from chanx.asyncapi.naming import identifier
from chanx.messages.base import BaseMessage
from chanx.messages.outgoing import MultiplexErrorMessage, MultiplexReadyMessage

DEMULTIPLEXER_MESSAGES: tuple[type[BaseMessage], ...] = (
    MultiplexReadyMessage,
    MultiplexErrorMessage,
)
"""What every demultiplexer sends on its own behalf, besides its handlers' replies."""


class _Envelope(Protocol):
    consumer_field: str
    message_field: str
    version_field: str
    version: int


class _Multiplex(Protocol):
    envelope: _Envelope
    consumers: Sequence[tuple[str, type]]


def multiplex_of(consumer: type) -> _Multiplex | None:
    """What ``consumer`` multiplexes, or None when it is not a demultiplexer."""
    spec: Any = getattr(consumer, "__chanx_multiplex__", None)
    if spec is None or not hasattr(spec, "envelope"):
        return None
    result: _Multiplex = spec
    return result


def multiplex_extension(spec: _Multiplex, key: str | None = None) -> MultiplexExtension:
    """The ``x-chanx-multiplex`` of the demultiplexer's channel, or of stream ``key``'s."""
    envelope = spec.envelope
    return MultiplexExtension(
        consumer_field=envelope.consumer_field,
        message_field=envelope.message_field,
        version_field=envelope.version_field,
        version=envelope.version,
        consumer_key=key,
    )


def stream_channel_id(demultiplexer_id: str, key: str) -> str:
    """The id of stream ``key``'s channel: ``<demultiplexer channel id>_<key>``."""
    return f"{demultiplexer_id}_{identifier(key, fallback='consumer')}"


__all__ = [
    "DEMULTIPLEXER_MESSAGES",
    "multiplex_extension",
    "multiplex_of",
    "stream_channel_id",
]
