"""The servers the benchmarks run against, as subprocesses on free ports.

:func:`redis_server` starts a private, non-persistent ``redis-server``; :func:`uvicorn`
serves ``benchmarks.e2e_app`` on the in-memory layer or on that Redis. Both are stopped
when their ``with`` block ends. :func:`rss_kib` and :func:`open_fds` read what a server
process holds from ``/proc``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent

START_TIMEOUT = 30.0
"""Seconds a server may take to listen on its port."""


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(
    port: int, process: subprocess.Popen[Any], what: str, log_path: Path | None = None
) -> None:
    """Return once ``process`` listens on ``port``; raise if it exits or takes too long."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = f":\n{log_path.read_text(errors='replace')}" if log_path else ""
            status = process.returncode
            raise RuntimeError(f"{what} exited with status {status} while starting{log}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on port {port} within {START_TIMEOUT:g} s")


def stop_process(process: subprocess.Popen[Any], grace: float = 10.0) -> float | None:
    """Terminate ``process`` (SIGTERM); kill it if it has not ended within ``grace`` s.

    Returns the seconds it took to exit after SIGTERM, or None if it had to be killed.
    """
    started = time.monotonic()
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return None
    return time.monotonic() - started


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A private, non-persistent ``redis-server`` for the run; yields its URL.

    Raises :class:`FileNotFoundError` when ``redis-server`` is not installed.
    """
    executable = shutil.which("redis-server")
    if executable is None:
        raise FileNotFoundError("redis-server is not installed (not on PATH)")
    port = free_port()
    process = subprocess.Popen(
        [executable, "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process, "redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop_process(process)


@dataclass
class Server:
    """A uvicorn subprocess serving ``benchmarks.e2e_app``; its output goes to ``log_path``."""

    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    shutdown_seconds: float | None = None
    """Seconds from SIGTERM to exit once the ``with`` block ended (None: killed after 10 s)."""

    @property
    def pid(self) -> int:
        """The server's process id (uvicorn runs the app in this process: no workers)."""
        return self.process.pid

    def url(self, room: str) -> str:
        """The chanx consumer of ``room``."""
        return f"ws://127.0.0.1:{self.port}/ws/chanx/{room}/"

    def log(self) -> str:
        """Everything the server printed so far."""
        return self.log_path.read_text(errors="replace")


@contextlib.contextmanager
def uvicorn(
    redis_url: str | None = None,
    *,
    extra_args: tuple[str, ...] = (),
    app: str = "benchmarks.e2e_app:application",
    redis_layer: str = "core",
) -> Iterator[Server]:
    """Run uvicorn on a free port (in-memory layer, or Redis at ``redis_url``) until the end.

    ``redis_layer="pubsub"`` serves on channels_redis's pub/sub layer instead of its core
    one. When the block ends the server gets SIGTERM; ``shutdown_seconds`` says how long
    it took to exit.

    The server logs at uvicorn's ``warning`` level; chanx's warnings reach its log through
    Python's last-resort handler (the benchmark settings configure no logging).
    """
    port = free_port()
    # Explicit: under pytest, DJANGO_SETTINGS_MODULE names the test project's settings.
    env = dict(os.environ, PYTHONUNBUFFERED="1", DJANGO_SETTINGS_MODULE="benchmarks.e2e_settings")
    env.pop("CHANX_BENCH_REDIS_URL", None)
    if redis_url:
        env["CHANX_BENCH_REDIS_URL"] = redis_url
        env["CHANX_BENCH_REDIS_LAYER"] = redis_layer
    with tempfile.TemporaryDirectory(prefix="chanx-bench-server-") as workdir:
        log_path = Path(workdir) / "server.log"
        with log_path.open("wb") as log:
            command = [
                sys.executable, "-m", "uvicorn", app,
                "--port", str(port), "--log-level", "warning", "--ws", "websockets-sansio",
                *extra_args,
            ]  # fmt: skip
            process = subprocess.Popen(
                command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        server = Server(port, process, log_path)
        try:
            wait_for_port(port, process, "uvicorn", log_path)
            yield server
        finally:
            if process.poll() is None:
                server.shutdown_seconds = stop_process(process)


def rss_kib(pid: int) -> int:
    """Resident set size of process ``pid`` in KiB (``VmRSS`` in ``/proc/<pid>/status``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def open_fds(pid: int) -> int:
    """How many file descriptors process ``pid`` has open (entries of ``/proc/<pid>/fd``)."""
    return len(os.listdir(f"/proc/{pid}/fd"))


__all__ = [
    "REPO_ROOT",
    "Server",
    "free_port",
    "open_fds",
    "redis_server",
    "rss_kib",
    "stop_process",
    "uvicorn",
    "wait_for_port",
]
