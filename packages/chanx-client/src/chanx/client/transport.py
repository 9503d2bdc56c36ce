"""The one door to ``websockets``' internals: frames handed over as they are parsed.

``websockets`` queues each received message until a task calls ``recv()``. A client whose
own task called ``recv()`` and then handed the message to the caller's task would pay one
more trip through the event loop per frame than a hand-written loop does. Instead, the
connection class below (passed as ``create_connection``, the documented way to customize a
``websockets`` connection) overrides ``process_event`` so each complete text or binary
message goes straight to the client's frame handler, inside ``data_received``. Control
frames (ping, pong, close) still go through ``websockets``; ``recv()`` is never used.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.frames import Frame, Opcode
from websockets.protocol import Event

logger = logging.getLogger("chanx.client")

FrameHandler = Callable[[str], None]
"""Receives the text of each complete message (binary ones decoded as UTF-8)."""


class FrameConnection(ClientConnection):
    """A ``ClientConnection`` that hands complete messages to ``frame_handler``."""

    frame_handler: FrameHandler

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._fragments: list[bytes] = []

    def process_event(self, event: Event) -> None:
        if not isinstance(event, Frame) or self.response is None:
            super().process_event(event)
            return
        opcode = event.opcode
        if opcode is Opcode.TEXT or opcode is Opcode.BINARY:
            if not event.fin:
                self._fragments = [bytes(event.data)]
                return
            data = event.data
        elif opcode is Opcode.CONT:
            self._fragments.append(bytes(event.data))
            if not event.fin:
                return
            data = b"".join(self._fragments)
            self._fragments = []
        else:
            super().process_event(event)
            return
        try:
            self.frame_handler(bytes(data).decode("utf-8", "replace"))
        except Exception:
            # Raising here would break websockets' data_received.
            logger.exception("chanx client: a received frame could not be handled")


def connection_class(handler: FrameHandler) -> type[ClientConnection]:
    """A :class:`FrameConnection` class whose connections hand their messages to ``handler``."""

    class _Connection(FrameConnection):
        frame_handler = staticmethod(handler)

    return _Connection


__all__ = ["FrameConnection", "FrameHandler", "connection_class"]
