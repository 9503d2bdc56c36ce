"""Small helpers for driving consumers through chanx-testing's communicator.

``collect`` keeps the completion frame in what it returns, for the tests that check the
completion signal itself; the others use ``receive_all_messages``.
"""

from __future__ import annotations

import json
from typing import Any

from chanx.testing import WebsocketCommunicator
from chanx.testing.routing import find_consumer
from tests.project.messages import WhoAmIMessage, WhoAmIReply
from tests.project.routing import router
from tests.waiting import DEADLINE


async def connect(path: str = "/ws/echo/", application: Any = router) -> WebsocketCommunicator:
    """A connected communicator; the handshake may take up to :data:`DEADLINE` seconds."""
    consumer = find_consumer(application, path)
    assert consumer is not None, f"no chanx consumer routed at {path}"
    communicator = WebsocketCommunicator(application, path, consumer=consumer)
    connected, _ = await communicator.connect(timeout=DEADLINE)
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
    await communicator.send_message(WhoAmIMessage())
    [reply] = await communicator.receive_all_messages()
    assert isinstance(reply, WhoAmIReply)
    return reply.payload["channel"]
