"""Shared fixtures: a real redis-server on a free loopback port when a test asks for one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.redis_server import RedisProcess, redis_process


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start a private ``redis-server`` for the session and yield its URL.

    Skips (with the reason) on a machine without redis-server, except in CI, where a
    missing server is an error: CI installs it, so Redis-backed tests always run there.
    """
    with redis_process(tmp_path_factory.mktemp("redis")) as server:
        yield server.url


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisProcess]:
    """A private redis-server for one test, which the test may kill and restart."""
    with redis_process(tmp_path) as server:
        yield server
