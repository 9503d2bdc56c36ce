"""Stale database connections are still closed for async ORM users, just not on every frame."""

from __future__ import annotations

import pytest

from chanx.channels import db
from chanx.channels.runtime import current_runtime
from tests.channels.helpers import connect

pytestmark = pytest.mark.django_db(transaction=True)


async def test_stale_connection_cleanup_runs_once_per_interval_not_per_frame(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[None] = []
    channels_cleanup = db.aclose_old_connections

    async def counted_cleanup() -> None:
        calls.append(None)
        await channels_cleanup()

    monkeypatch.setattr(db, "aclose_old_connections", counted_cleanup)
    # An interval no run outlasts: 20 frames within it, however slowly they go.
    monkeypatch.setattr(db, "DB_CLEANUP_INTERVAL", 3600.0)
    current_runtime().cleanup.last = float("-inf")
    ws = await connect()
    for _ in range(20):
        await ws.send_to(text_data='{"action": "ping"}')
        await ws.receive_from(1)
        await ws.receive_from(1)
    assert len(calls) == 1, "expected one cleanup for a connect and 20 frames within the interval"
    current_runtime().cleanup.last = float("-inf")
    await ws.send_to(text_data='{"action": "ping"}')
    await ws.receive_from(1)
    assert len(calls) == 2, "the interval passed but no cleanup ran"
    await ws.disconnect()
