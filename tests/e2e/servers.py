"""Starting the chat example under a real ASGI server, in a subprocess, for end-to-end tests."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from benchmarks.servers import free_port, stop_process, wait_for_port

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "chat"


@dataclass
class ChatServer:
    """A running example server: where it listens and the demo user's API token.

    ``output`` collects what the server prints (stdout and stderr) while it runs: a thread
    keeps reading the pipe, so a server that logs a lot (say, while Redis is down) never
    blocks on a full pipe.
    """

    port: int
    token: str
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/chat/"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def headers(self, token: str | None = None) -> list[tuple[str, str]]:
        return [("Authorization", f"Token {token or self.token}"), ("Origin", self.origin)]

    @property
    def alive(self) -> bool:
        """Whether the server process is still running."""
        return self.process.poll() is None


def example_env(database: Path, redis_url: str | None = None) -> dict[str, str]:
    env = dict(os.environ, CHAT_DB=str(database), PYTHONUNBUFFERED="1")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    else:
        env.pop("REDIS_URL", None)
    return env


def _drain(stream: IO[str], lines: list[str]) -> None:
    for line in stream:
        lines.append(line)


@contextmanager
def chat_server(database: Path, redis_url: str | None = None) -> Iterator[ChatServer]:
    """Run ``examples/chat/serve.py`` on a free port until the block ends."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(EXAMPLE / "serve.py"), "--port", str(port)],
        cwd=REPO,
        env=example_env(database, redis_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    token = ""
    output: list[str] = []
    drain: threading.Thread | None = None
    try:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            if "Authorization: Token" in line:
                token = line.split("Token", 1)[1].strip().strip("'")
                break
        if not token:
            raise RuntimeError("the example did not start:\n" + "".join(output))
        wait_for_port(port, process, "the example server")
        drain = threading.Thread(target=_drain, args=(process.stdout, output), daemon=True)
        drain.start()
        yield ChatServer(port=port, token=token, process=process, output=output)
    finally:
        stop_process(process)
        if drain is not None:
            drain.join(timeout=5)
        if process.stdout is not None:
            process.stdout.close()


def manage(database: Path, *args: str, redis_url: str | None = None) -> str:
    """Run ``examples/chat/manage.py`` with the same database (and Redis) as a server."""
    result = subprocess.run(
        [sys.executable, str(EXAMPLE / "manage.py"), *args],
        cwd=EXAMPLE,
        env=example_env(database, redis_url),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout
