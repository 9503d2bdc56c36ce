"""Shared fixtures: a real redis-server on a free loopback port when a test asks for one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.redis_server import RedisServer


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """Start a private ``redis-server`` for the session and yield its URL.

    Skips (with the reason) on a machine without redis-server, except in CI, where a
    missing server is an error: CI installs it, so Redis-backed tests always run there.
    """
    server = RedisServer()
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A private redis-server for one test, which the test may kill and restart."""
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
