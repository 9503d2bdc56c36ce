"""A private ``redis-server`` for tests: a free loopback port, killable, restartable."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from benchmarks.servers import free_port, stop_process


def redis_binary() -> str:
    """The ``redis-server`` to run; skips the test without one, fails it in CI."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed but CI is set: .ci/run must install it")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    return binary


class RedisProcess:
    """One ``redis-server`` on a fixed loopback port, without persistence.

    ``kill()`` ends it with SIGKILL (no shutdown, no goodbye to clients, all data lost) and
    ``start()`` brings a fresh one up on the same port, so clients that reconnect to
    ``url`` find it again::

        with redis_process(tmp_path) as redis:
            redis.kill()
            redis.start()
    """

    def __init__(self, binary: str, workdir: Path, port: int | None = None) -> None:
        self.binary = binary
        self.workdir = workdir
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 10) -> None:
        """Start the server and return once it answers ``PING``."""
        if self.running:
            raise RuntimeError(f"redis-server already runs on port {self.port}")
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while not self._answers_ping():
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.kill()
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.02)

    def kill(self) -> None:
        """End the server at once with SIGKILL, as a crash or an OOM kill would."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """Shut the server down politely (SIGTERM), killing it if it lingers."""
        if self.process is not None:
            stop_process(self.process)

    def _answers_ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@contextmanager
def redis_process(workdir: Path) -> Iterator[RedisProcess]:
    """A started :class:`RedisProcess` on a free port, stopped when the block ends."""
    redis = RedisProcess(redis_binary(), workdir)
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()
