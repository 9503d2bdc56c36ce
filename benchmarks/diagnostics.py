"""``GET /diagnostics/`` on the end-to-end server: what its event loop still runs.

Tests ask it, after clients left, whether any connection's task outlived its client:
the chanx runtime's count of served connections, and every asyncio task of the loop
by the name of the coroutine it runs (uvicorn's own server task included).
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

from chanx.channels.runtime import current_runtime


def _coroutine_name(task: asyncio.Task[Any]) -> str:
    coro = task.get_coro()
    return getattr(coro, "__qualname__", type(coro).__name__)


async def diagnostics(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answer any HTTP request with the loop's tasks and the runtime's connections."""
    current = asyncio.current_task()
    tasks = Counter(_coroutine_name(t) for t in asyncio.all_tasks() if t is not current)
    body = json.dumps(
        {"connections": len(current_runtime().connections), "tasks": dict(tasks)}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


__all__ = ["diagnostics"]
