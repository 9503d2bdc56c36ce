"""Two chat servers on one Redis that is killed (SIGKILL) and restarted on the same port."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.redis_restart import restart_redis_under_load
from tests.e2e.servers import chat_server
from tests.redis_server import redis_process

pytestmark = [pytest.mark.e2e, pytest.mark.redis]


async def test_redis_restart_keeps_servers_and_connections_and_restores_rooms(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "redis").mkdir()
    database = tmp_path / "chat.sqlite3"
    with (
        redis_process(tmp_path / "redis") as redis,
        chat_server(database, redis.url) as a,
        chat_server(database, redis.url) as b,
    ):
        report = await restart_redis_under_load(redis, [a, b], existing=10, outage=3.0)
        with capsys.disabled():
            print(f"\n{report.line()}")

        logs = f"server A:\n{''.join(a.output)[-3000:]}\nserver B:\n{''.join(b.output)[-3000:]}"
        assert report.servers_alive == report.servers, logs
        assert report.new_connection_seconds is not None, logs
        # Existing connections ride out the outage and are in their room again within the
        # recovery timeout (15 s, half the consumers' 30 s layer_recovery_timeout). How soon
        # is the report's number, printed above: a bound on it would measure the machine.
        assert report.existing_alive == report.existing, logs
        assert report.existing_broadcast == report.existing, logs
        # The first broadcast once new connections work already reaches every old one:
        # each process restored all its connections' groups on one signal (issue 12, 8).
        assert report.first_broadcast == report.existing, logs
        assert report.broadcast_seconds is not None, logs
        # One warning per process for the outage and no traceback at all: not per
        # connection, and not from channels_redis's clean-up tasks Redis died under.
        for server in (a, b):
            output = "".join(server.output)
            assert "Traceback (most recent call last)" not in output, output[-3000:]
            assert "never retrieved" not in output, output[-3000:]
            assert output.count("Channel layer unreachable") <= 1, output[-3000:]
