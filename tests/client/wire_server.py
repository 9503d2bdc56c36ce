"""A small real `websockets` server speaking chanx's wire contract, for the client's tests.

It implements what docs/common wire contract promises a client, and nothing more: ``ref``
echoed on every reply (``complete`` included, when ``completion`` is on), ``version`` and
``topic`` on topic frames, ``subscribe``/``unsubscribe`` with the documented refusal
reasons, pushes with ``seq``. Tests steer it with actions of their own (``close_with``,
``push``, ``publish``) and read what it received from ``frames``.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

GOOD_TOKEN = "Token good"


def _dumps(frame: dict[str, Any]) -> str:
    """Compact JSON, as a chanx server writes it (routing keys first)."""
    return json.dumps(frame, separators=(",", ":"))


@dataclass
class WireServer:
    """A chanx-speaking server on 127.0.0.1; ``port`` is known once started."""

    completion: bool = False
    require_token: bool = False
    refuse_handshake: int | None = None
    """Answer every handshake with this HTTP status instead of switching protocols."""
    port: int = 0
    frames: list[dict[str, Any]] = field(default_factory=list)
    handshakes: list[Headers] = field(default_factory=list)
    connections: set[ServerConnection] = field(default_factory=set)
    subscribers: dict[str, set[ServerConnection]] = field(default_factory=dict)
    _server: Server | None = None

    async def start(self) -> None:
        """Listen (on a free port the first time, on the same port after a stop)."""
        self._server = await serve(
            self._handle,
            "127.0.0.1",
            self.port,
            process_request=self._process_request,
            select_subprotocol=lambda _, offered: offered[0] if offered else None,
        )
        self.port = next(iter(self._server.sockets)).getsockname()[1]

    async def stop(self, code: int = 1001) -> None:
        """Close every connection with ``code`` and stop listening."""
        assert self._server is not None
        for ws in list(self.connections):
            await ws.close(code)
        self._server.close()
        await self._server.wait_closed()
        self._server = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def _process_request(self, ws: ServerConnection, request: Request) -> Response | None:
        self.handshakes.append(request.headers)
        if self.refuse_handshake is not None:
            return ws.respond(self.refuse_handshake, "refused\n")
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        request = ws.request
        if self.require_token and request and request.headers.get("Authorization") != GOOD_TOKEN:
            await self._send(ws, {}, "authentication", {"status_code": 403})
            await ws.close(4403, "forbidden")
            return
        self.connections.add(ws)
        try:
            async for text in ws:
                data = json.loads(text)
                self.frames.append(dict(data))
                await self._frame(ws, data)
        except ConnectionClosed:
            pass
        finally:
            self.connections.discard(ws)
            for members in self.subscribers.values():
                members.discard(ws)

    async def _send(
        self, ws: ServerConnection, keys: dict[str, Any], action: str, payload: Any = None
    ) -> None:
        await ws.send(_dumps({**keys, "action": action, "payload": payload}))

    async def _frame(self, ws: ServerConnection, data: dict[str, Any]) -> None:
        ref = data.pop("ref", None)
        topic = data.pop("topic", None)
        version = data.pop("version", None)
        keys: dict[str, Any] = {}
        if topic is not None:
            keys.update(version=1, topic=topic)
        if ref is not None:
            keys["ref"] = ref
        if version not in (None, 1):
            await self._send(
                ws, keys, "error", {"detail": f"Unsupported envelope version {version}"}
            )
        elif topic is not None:
            await self._topic_frame(ws, keys, topic, data)
        else:
            await self._own_frame(ws, keys, data)
        if self.completion and ws.state.name == "OPEN":
            await ws.send(_dumps({**keys, "action": "complete"}))

    async def _topic_frame(
        self, ws: ServerConnection, keys: dict[str, Any], topic: str, data: dict[str, Any]
    ) -> None:
        action = data.get("action")
        members = self.subscribers.setdefault(topic, set())
        if action == "subscribe":
            if not topic.startswith("room:"):
                await self._refuse(ws, keys, "unknown_topic", "Unknown topic")
            elif topic == "room:secret":
                await self._refuse(ws, keys, "unauthorized", "Not allowed")
            else:
                members.add(ws)
                await ws.send(_dumps({**keys, "action": "subscribed"}))
                await self._send(ws, {"version": 1, "topic": topic}, "welcome", {"topic": topic})
        elif ws not in members:
            await self._refuse(ws, keys, "not_subscribed", "Not subscribed to this topic")
        elif action == "unsubscribe":
            members.discard(ws)
            await ws.send(_dumps({**keys, "action": "unsubscribed"}))
        elif action == "say":
            await self._send(ws, keys, "said", data["payload"])
        else:
            await self._send(ws, keys, "error", {"detail": f"Unknown action {action!r}"})

    async def _refuse(
        self, ws: ServerConnection, keys: dict[str, Any], reason: str, detail: str
    ) -> None:
        await self._send(ws, keys, "error", {"detail": detail, "reason": reason})

    async def _own_frame(
        self, ws: ServerConnection, keys: dict[str, Any], data: dict[str, Any]
    ) -> None:
        action = data.get("action")
        payload: Any = data.get("payload")
        if action == "echo":
            await self._send(ws, keys, "echo_reply", payload)
        elif action == "echo_twice":
            await self._send(ws, keys, "echo_reply", payload)
            await self._send(ws, keys, "echo_reply", payload)
        elif action == "fail":
            await self._send(ws, keys, "error", {"detail": "You asked for it"})
        elif action == "quiet":
            pass
        elif action == "future":
            # A message a newer server sends: the client does not know its action.
            await self._send(ws, keys, "hologram", {"x": 1})
        elif action == "malformed":
            await self._send(ws, keys, "echo_reply", {"text": 5})
        elif action == "push":
            for other in list(self.connections):
                await self._send(other, {}, "notice", payload)
        elif action == "publish":
            topic, seq = payload["topic"], payload.get("seq")
            frame = {"version": 1, "topic": topic}
            if seq is not None:
                frame["seq"] = seq
            for member in list(self.subscribers.get(topic, ())):
                await self._send(member, frame, "said", {"text": payload["text"]})
        elif action == "close_with":
            await ws.close(payload["code"], payload.get("reason", ""))
        else:
            await self._send(ws, keys, "error", {"detail": f"Unknown action {action!r}"})


class RunningServer:
    """A :class:`WireServer` running on its own event loop in a thread.

    The server's tasks stay out of the test's loop, so a test can assert that the client
    left no task behind. ``stop`` and ``start`` run on the server's loop.
    """

    def __init__(self, server: WireServer, loop: asyncio.AbstractEventLoop) -> None:
        self.server = server
        self._loop = loop

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def frames(self) -> list[dict[str, Any]]:
        """What the server received, routing keys included, in order."""
        return self.server.frames

    async def _on_server(self, coroutine: Coroutine[Any, Any, None]) -> None:
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, self._loop))

    async def stop(self, code: int = 1001) -> None:
        """Close every connection with ``code`` and stop listening."""
        await self._on_server(self.server.stop(code))

    async def start(self) -> None:
        """Listen again, on the same port."""
        await self._on_server(self.server.start())


@asynccontextmanager
async def wire_server(**options: Any) -> AsyncIterator[RunningServer]:
    """A :class:`WireServer` on a free port, in a thread, until the block ends."""
    server = WireServer(**options)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="wire-server", daemon=True)
    thread.start()
    running = RunningServer(server, loop)
    try:
        await running.start()
        yield running
    finally:
        if server._server is not None:
            await running.stop()
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
