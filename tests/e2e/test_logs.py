"""Credentials in a real server's log: uvicorn at INFO and DEBUG, real ``websockets`` clients.

Each server also answers one plain HTTP request with a token in its query string, so
uvicorn's access log (on by default) formats a redacted record too.

The in-process proof for chanx's own loggers is ``tests/channels/test_credentials_in_logs.py``;
this one reads everything the server process prints, uvicorn's lines included.
"""

from __future__ import annotations

import asyncio
import json
import signal
import urllib.request
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from benchmarks.servers import Server, stop_process, uvicorn
from chanx.channels.redaction import uvicorn_log_config

pytestmark = pytest.mark.e2e

QUERY_SECRET = "SECRET123qs"
HEADER_SECRET = "SECRET456hdr"
COOKIE_SECRET = "SECRET789ck"
HTTP_PATH = "/diagnostics/"


def _server_log(level: str, tmp_dir: Path) -> str:
    """What uvicorn at ``level``, with chanx's redacting log config, printed over one
    connection and one HTTP request with credentials."""
    config = tmp_dir / f"log-{level}.json"
    config.write_text(json.dumps(uvicorn_log_config(level)))
    with uvicorn(extra_args=("--log-level", level, "--log-config", str(config))) as server:
        asyncio.run(_converse(server))
        url = f"http://127.0.0.1:{server.port}{HTTP_PATH}?token={QUERY_SECRET}"
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.status == 200
        return _final_log(server)


def _final_log(server: Server) -> str:
    """Everything the server printed, once it has stopped.

    uvicorn stops gracefully on SIGTERM (and exits by that signal): it waits for every
    connection's task to end, so whatever those tasks log is in the log by then, however
    slowly the machine runs. A server still busy after 10 s is killed instead.
    """
    stop_process(server.process)
    log = server.log()
    stopped = server.process.returncode in (0, -signal.SIGTERM)
    assert stopped, f"the server did not stop gracefully within 10 s:\n{log[-3000:]}"
    return log


async def _converse(server: Server) -> None:
    headers = {"Authorization": f"Token {HEADER_SECRET}", "Cookie": f"sessionid={COOKIE_SECRET}"}
    async with connect(
        server.url("logs") + f"?token={QUERY_SECRET}", additional_headers=headers
    ) as ws:
        for frame, answer in (
            ('{"action": "echo", "payload": {"text": "hi"}}', "echo_reply"),
            ("{not json", "error"),
        ):
            await ws.send(frame)
            while json.loads(await asyncio.wait_for(ws.recv(), 5))["action"] != answer:
                pass


@pytest.fixture(scope="module")
def info_log(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The server log at uvicorn's default level, ``info``."""
    return _server_log("info", tmp_path_factory.mktemp("logs"))


@pytest.fixture(scope="module")
def debug_log(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The server log at ``debug``."""
    return _server_log("debug", tmp_path_factory.mktemp("logs"))


def test_server_logged_the_connection(info_log: str) -> None:
    assert "/ws/chanx/logs/" in info_log, info_log


def test_header_and_cookie_credentials_stay_out_of_the_log_at_info(info_log: str) -> None:
    assert HEADER_SECRET not in info_log
    assert COOKIE_SECRET not in info_log


def test_query_string_credentials_stay_out_of_the_log_at_info(info_log: str) -> None:
    assert QUERY_SECRET not in info_log


def test_header_credentials_stay_out_of_the_log_at_debug(debug_log: str) -> None:
    assert HEADER_SECRET not in debug_log
    assert COOKIE_SECRET not in debug_log


def test_access_log_prints_the_request_line_with_its_query_redacted(info_log: str) -> None:
    # uvicorn's access formatter unpacks the record's five args: redaction keeps them.
    assert f'"GET {HTTP_PATH}?[redacted] HTTP/1.1" 200' in info_log, info_log[-3000:]


@pytest.mark.parametrize("log_fixture", ["info_log", "debug_log"])
def test_redacted_records_cause_no_logging_error(
    log_fixture: str, request: pytest.FixtureRequest
) -> None:
    log = request.getfixturevalue(log_fixture)
    assert "--- Logging error ---" not in log, log[-3000:]
    assert QUERY_SECRET not in log


async def _leave_mid_frames(server: Server, connections: int = 3, frames: int = 200) -> None:
    """Clients that send a burst of frames and close without waiting for the answers."""
    for _ in range(connections):
        async with connect(server.url("leavers"), compression=None, close_timeout=1) as ws:
            await ws.send('{"action": "echo", "payload": {"text": "joined"}}')
            await asyncio.wait_for(ws.recv(), 5)
            for index in range(frames):
                await ws.send(json.dumps({"action": "echo", "payload": {"text": str(index)}}))


def test_client_leaving_with_frames_in_flight_logs_no_traceback() -> None:
    with uvicorn() as server:
        asyncio.run(_leave_mid_frames(server))
        log = _final_log(server)
    assert "Unhandled error" not in log, log[-3000:]
    assert "Traceback" not in log, log[-3000:]
