"""A minimal in-process ASGI WebSocket client: two asyncio queues and nothing else.

Channels' ``WebsocketCommunicator`` wraps every call in a timeout, which costs more per
frame than the consumers being compared; this driver hands frames to the application's
``receive`` and collects what it ``send``\\s, so the CPU measured is the application's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

Message = dict[str, Any]
AsgiApp = Callable[
    [Message, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
    Awaitable[None],
]

_FINISHED: Message = {"type": "driver.finished"}


class Connection:
    """One WebSocket connection to an ASGI application, driven in-process."""

    def __init__(self, app: AsgiApp, room: str = "lobby", path: str = "/ws/bench/") -> None:
        self._to_app: asyncio.Queue[Message] = asyncio.Queue()
        self._from_app: asyncio.Queue[Message] = asyncio.Queue()
        scope: Message = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "path": path,
            "headers": [],
            "query_string": b"",
            "subprotocols": [],
            "url_route": {"args": (), "kwargs": {"room": room}},
        }
        self._task = asyncio.ensure_future(app(scope, self._to_app.get, self._send))
        # Wakes a reader up if the application ends (or crashes) instead of answering.
        self._task.add_done_callback(lambda _: self._from_app.put_nowait(_FINISHED))

    async def _send(self, message: Message) -> None:
        self._from_app.put_nowait(message)

    async def _next(self) -> Message:
        message = await self._from_app.get()
        if message is _FINISHED:
            self._task.result()
            raise RuntimeError("the application finished without answering")
        return message

    async def connect(self) -> None:
        """Open the connection and wait for the application to accept it."""
        self._to_app.put_nowait({"type": "websocket.connect"})
        message = await self._next()
        if message["type"] != "websocket.accept":
            raise RuntimeError(f"connection not accepted: {message}")

    def send_text(self, text: str) -> None:
        """Hand one text frame to the application (it is read when the app awaits receive)."""
        self._to_app.put_nowait({"type": "websocket.receive", "text": text})

    async def receive_text(self) -> str:
        """The next text frame the application sent."""
        message = await self._next()
        text = message.get("text")
        if message["type"] != "websocket.send" or text is None:
            raise RuntimeError(f"expected a text frame, got {message}")
        return str(text)

    async def disconnect(self) -> None:
        """Close from the client side and wait until the application has finished."""
        self._to_app.put_nowait({"type": "websocket.disconnect", "code": 1000})
        await self._task

    def pending(self) -> int:
        """Frames sent by the application and not read yet."""
        return self._from_app.qsize()
