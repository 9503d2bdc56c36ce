"""Small helpers for driving consumers through Channels' test communicator."""

from __future__ import annotations

import json
from typing import Any

from channels.testing import WebsocketCommunicator

from tests.project.routing import router


async def connect(path: str = "/ws/echo/", application: Any = router) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, path)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def collect(
    communicator: WebsocketCommunicator, stop: str = "complete", timeout: float = 2
) -> list[dict[str, Any]]:
    """Frames up to and including the first whose action is ``stop``."""
    frames: list[dict[str, Any]] = []
    while True:
        frame = json.loads(await communicator.receive_from(timeout))
        frames.append(frame)
        if frame.get("action") == stop:
            return frames


async def ws_channel(communicator: WebsocketCommunicator) -> str:
    """The channel name of the consumer behind ``communicator`` (asked with ``whoami``)."""
    await communicator.send_to(text_data='{"action": "whoami"}')
    reply, _ = await collect(communicator)
    channel: str = reply["payload"]["channel"]
    return channel
