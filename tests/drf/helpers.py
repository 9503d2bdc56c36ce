"""Driving the chanx-drf test consumers through Channels' test communicator."""

from __future__ import annotations

import json
from typing import Any

from channels.testing import WebsocketCommunicator

from tests.drf.consumers import application


async def open_ws(
    path: str, headers: list[tuple[bytes, bytes]] | None = None
) -> tuple[WebsocketCommunicator, dict[str, Any]]:
    """Connect to ``path`` and return the communicator with the ``authentication`` payload."""
    ws = WebsocketCommunicator(application, path, headers=headers or [])
    connected, _ = await ws.connect()
    assert connected
    frame = json.loads(await ws.receive_from(3))
    assert frame["action"] == "authentication"
    payload: dict[str, Any] = frame["payload"]
    return ws, payload


async def round_trip(ws: WebsocketCommunicator, frame: dict[str, Any]) -> dict[str, Any]:
    """Send ``frame`` and return the reply (the ``complete`` signal that follows is consumed)."""
    await ws.send_json_to(frame)
    reply: dict[str, Any] = json.loads(await ws.receive_from(2))
    assert json.loads(await ws.receive_from(2))["action"] == "complete"
    return reply


async def closed_with(ws: WebsocketCommunicator) -> int:
    """The close code the server closed ``ws`` with."""
    output = await ws.receive_output(2)
    assert output["type"] == "websocket.close", output
    code: int = output["code"]
    return code
