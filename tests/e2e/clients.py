"""`websockets` clients of the chat example, as the end-to-end tests use them."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from tests.e2e.servers import ChatServer


async def receive(ws: ClientConnection, action: str, timeout: float = 5) -> dict[str, Any]:
    """The next frame with ``action``; frames of other actions before it are skipped.

    Raises ``TimeoutError`` when none arrives within ``timeout`` seconds and
    ``websockets.ConnectionClosed`` when the server closes the connection first.
    """
    # wait_for rather than asyncio.timeout: the suite runs on Python 3.10 too.
    return await asyncio.wait_for(_next_with_action(ws, action), timeout)


async def _next_with_action(ws: ClientConnection, action: str) -> dict[str, Any]:
    while True:
        frame: dict[str, Any] = json.loads(await ws.recv())
        if frame["action"] == action:
            return frame


async def send(ws: ClientConnection, action: str, payload: Any = None) -> None:
    """Send one ``{"action": ..., "payload": ...}`` frame."""
    await ws.send(json.dumps({"action": action, "payload": payload}))


async def open_chat(
    server: ChatServer, room: str, *, join: bool = True, timeout: float = 10
) -> ClientConnection:
    """Connect to ``room`` as the demo user; return once the connection is in the room.

    The connection sends the ``Origin`` the example's origin validator expects. The
    ``authentication`` frame arrives *before* the server has added the connection to the
    room's group, so with ``join`` (the default) this also sends ``join`` and waits for
    ``joined``: frames are handled only after the groups are joined, so from then on every
    broadcast to the room reaches this connection.
    """
    ws = await asyncio.wait_for(
        connect(server.ws_url + room + "/", additional_headers=server.headers()), timeout
    )
    try:
        auth = await receive(ws, "authentication", timeout)
        assert auth["payload"]["status_code"] == 200, auth
        if join:
            await send(ws, "join")
            await receive(ws, "joined", timeout)
    except BaseException:
        await ws.close()
        raise
    return ws


async def answers_own_frames(ws: ClientConnection, timeout: float = 3) -> bool:
    """Whether the connection still answers a malformed frame with an ``error``.

    Answering needs only the server process that holds the connection, not the channel
    layer, so this tells a live connection from a dead one whatever state Redis is in.
    """
    try:
        await ws.send("{not json")
        await receive(ws, "error", timeout)
    except Exception:
        return False
    return True


async def chat_round_trip(sender: ClientConnection, *others: ClientConnection, text: str) -> None:
    """``sender`` says ``text``; the room broadcast must reach it and every one of ``others``."""
    await send(sender, "message", {"text": text})
    for ws in (sender, *others):
        while True:
            frame = await receive(ws, "room_message")
            if frame["payload"]["text"] == text:
                break
