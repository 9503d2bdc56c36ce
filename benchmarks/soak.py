"""``python -m benchmarks.soak``: thousands of connections come, chat and leave; nothing stays.

uvicorn serves ``benchmarks.e2e_app`` on the Redis channel layer (a private
``redis-server`` started for the run). Connections arrive in waves spread over the run:
each joins one of ten rooms, does three echo round trips, shouts once to its room and
leaves. Three warm-up waves run first, so imports, caches, pools and Python's allocator
are in place before the baseline is taken: CPython's small-object allocator keeps the
arenas it grows in the first few hundred connections (about 3 MiB here, measured against
``PYTHONMALLOC=malloc``, under which the whole soak grows 0.01 MiB), which is not a leak.
The RSS before the warm-up is printed too. After the last wave has left and the server
has settled, the run compares with the baseline:

* the server's RSS (``VmRSS``): target less than 5 MB of growth;
* its open file descriptors (``/proc/<pid>/fd``): target no more than at the baseline;
* members left in the Redis groups (``ZCARD`` of every ``asgi:group:*`` key): target 0.

The default run (2,000 connections in waves of 100 over about two and a half minutes)
takes about three minutes; ``--quick`` (400 connections, about 30 s) is a smoke run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from websockets.asyncio.client import ClientConnection, connect

from benchmarks import memtrace
from benchmarks.servers import Server, open_fds, redis_server, rss_kib, uvicorn

ROOMS = 10
ECHOES = 3
GROUP_PREFIX = "asgi:group:"
"""Where channels_redis keeps group members (its default prefix ``asgi``)."""

GROWTH_TARGET_MIB = 5.0


@dataclass
class SoakResult:
    """The numbers of one soak run."""

    connections: int
    waves: int
    seconds: float
    failures: int
    rss_start_kib: int
    rss_baseline_kib: int
    rss_peak_kib: int
    rss_end_kib: int
    fds_baseline: int
    fds_end: int
    group_members_left: int
    trend_kib: list[int] = field(default_factory=list)
    server_tracebacks: int = 0
    traced: list[str] = field(default_factory=list)
    """With ``--trace``: where traced Python memory grew (:func:`benchmarks.memtrace.growth`)."""

    @property
    def growth_mib(self) -> float:
        """RSS growth from the baseline (after warm-up) to the end, in MiB."""
        return (self.rss_end_kib - self.rss_baseline_kib) / 1024

    @property
    def late_slope_mib(self) -> float:
        """RSS growth per 1,000 connections over the second half of the waves, in MiB.

        Allocator warm-up shows in the first waves; growth that goes on in the second half
        is what keeps growing with traffic.
        """
        half = len(self.trend_kib) // 2
        if half < 1:
            return 0.0
        per_wave = self.connections / len(self.trend_kib)
        grown = (self.trend_kib[-1] - self.trend_kib[half - 1]) / 1024
        return grown / (per_wave * (len(self.trend_kib) - half)) * 1000

    @property
    def fd_leak(self) -> int:
        """File descriptors open at the end beyond the baseline (0 when none leaked)."""
        return max(0, self.fds_end - self.fds_baseline)

    @property
    def met(self) -> bool:
        """Whether every target is met: < 5 MB growth, no leaked descriptors or members."""
        return (
            self.growth_mib < GROWTH_TARGET_MIB
            and self.fd_leak == 0
            and self.group_members_left == 0
            and self.failures == 0
        )

    def summary(self) -> str:
        """The lines the benchmark prints."""
        trend = " ".join(f"{kib / 1024:.1f}" for kib in self.trend_kib)
        return "\n".join(
            [
                f"soak: {self.connections} connections in {self.waves} waves over "
                f"{self.seconds:.0f} s, {self.failures} failed",
                f"  server RSS: {self.rss_start_kib / 1024:.1f} MiB before warm-up, "
                f"{self.rss_baseline_kib / 1024:.1f} after warm-up, peak "
                f"{self.rss_peak_kib / 1024:.1f}, {self.rss_end_kib / 1024:.1f} at the end: "
                f"growth {self.growth_mib:+.2f} MiB (target < {GROWTH_TARGET_MIB:g})",
                f"  RSS after each wave (MiB): {trend}",
                f"  second-half slope: {self.late_slope_mib:+.2f} MiB per 1,000 connections",
                f"  open file descriptors: {self.fds_baseline} after warm-up, "
                f"{self.fds_end} at the end (leaked: {self.fd_leak})",
                f"  Redis group members left after all left: {self.group_members_left}",
                f"  server tracebacks logged: {self.server_tracebacks}",
                *self.traced,
                f"  targets {'met' if self.met else 'NOT met'}",
            ]
        )


async def _recv_action(client: ClientConnection, action: str) -> None:
    """Read frames until one with ``action`` (broadcasts from the room arrive in between)."""
    while True:
        frame = json.loads(await client.recv())
        if frame.get("action") == action:
            return


@dataclass(frozen=True)
class Visit:
    """What each connection does: where it connects and whether it shouts."""

    server: Server
    consumer: str = "chanx"
    shout: bool = True

    def url(self, room: str) -> str:
        """The consumer's URL for ``room`` (``chanx``, or Channels by hand: ``raw``)."""
        return f"ws://127.0.0.1:{self.server.port}/ws/{self.consumer}/{room}/"


async def _visit(visit: Visit, index: int) -> None:
    """One connection's life: join a room, echo a few times, shout once, leave."""
    room = f"soak{index % ROOMS}"
    async with connect(visit.url(room), compression=None, open_timeout=30) as client:
        for n in range(ECHOES):
            text = f"{index}-{n}"
            await client.send(json.dumps({"action": "echo", "payload": {"text": text}}))
            await asyncio.wait_for(_recv_action(client, "echo_reply"), 30)
        if visit.shout:
            frame = {"action": "shout", "payload": {"text": f"hello from {index}"}}
            await client.send(json.dumps(frame))
        # One more echo: the shout was handled (and its broadcast sent) before this answers.
        await client.send(json.dumps({"action": "echo", "payload": {"text": "bye"}}))
        await asyncio.wait_for(_recv_action(client, "echo_reply"), 30)


async def _wave(visit: Visit, first: int, size: int) -> int:
    """``size`` connections at once; returns how many failed."""
    outcomes = await asyncio.gather(
        *(_visit(visit, first + i) for i in range(size)), return_exceptions=True
    )
    failed = [o for o in outcomes if isinstance(o, BaseException)]
    if failed:
        print(f"  wave at {first}: {len(failed)} failed, e.g. {failed[0]!r}", flush=True)
    return len(failed)


async def _group_members(redis_url: str) -> int:
    """Members of every channels_redis group still in Redis."""
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_url)
    try:
        total = 0
        async for key in redis.scan_iter(match=f"{GROUP_PREFIX}*"):
            total += int(await redis.zcard(key))
        return total
    finally:
        await redis.aclose()


async def _settle(pid: int, seconds: float) -> int:
    """Let disconnects finish, then read RSS."""
    await asyncio.sleep(seconds)
    gc.collect()  # the clients' garbage, not the server's: keeps the client process small
    return rss_kib(pid)


async def _snapshot(pid: int, directory: Path | None) -> Path | None:
    """Have the server write a ``tracemalloc`` snapshot (``--trace``); wait for the file."""
    if directory is None:
        return None
    path = memtrace.snapshot_path(directory, len(list(directory.glob("*.pickle"))))
    os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + 120
    while not path.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server wrote no snapshot {path.name} within 120 s")
        await asyncio.sleep(0.2)
    return path


async def run_soak(
    visit: Visit,
    redis_url: str,
    *,
    connections: int,
    wave_size: int,
    duration: float,
    settle: float = 3.0,
    warmup_waves: int = 3,
    trace_dir: Path | None = None,
) -> SoakResult:
    """Warm up, take the baseline, run the waves over ``duration`` seconds, measure again."""
    pid = visit.server.pid
    start = rss_kib(pid)
    for wave in range(warmup_waves):
        await _wave(visit, -wave_size * (wave + 1), wave_size)
    baseline = await _settle(pid, settle)
    before = await _snapshot(pid, trace_dir)
    fds_baseline = open_fds(pid)
    waves = max(1, connections // wave_size)
    started = time.monotonic()
    failures, peak, trend = 0, baseline, []
    for wave in range(waves):
        failures += await _wave(visit, wave * wave_size, wave_size)
        rss = rss_kib(pid)
        peak = max(peak, rss)
        trend.append(rss)
        # Spread the waves over the run: a soak is about time as well as count.
        ahead = started + duration * (wave + 1) / waves - time.monotonic()
        if ahead > 0:
            await asyncio.sleep(ahead)
    seconds = time.monotonic() - started
    end = await _settle(pid, settle)
    after = await _snapshot(pid, trace_dir)
    return SoakResult(
        connections=waves * wave_size,
        waves=waves,
        seconds=seconds,
        failures=failures,
        rss_start_kib=start,
        rss_baseline_kib=baseline,
        rss_peak_kib=max(peak, end),
        rss_end_kib=end,
        fds_baseline=fds_baseline,
        fds_end=open_fds(pid),
        group_members_left=await _group_members(redis_url),
        trend_kib=trend,
        server_tracebacks=visit.server.log().count("Traceback"),
        traced=memtrace.growth(before, after) if before and after else [],
    )


def main(argv: list[str] | None = None) -> int:
    """Run the soak and print its numbers; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.soak",
        description="Connections come, chat and leave on uvicorn + Redis; measure what stays.",
    )
    parser.add_argument("--quick", action="store_true", help="400 connections, about 30 s")
    parser.add_argument("--connections", type=int, help="total connections (default 2000)")
    parser.add_argument("--wave", type=int, default=100, help="connections per wave")
    parser.add_argument("--duration", type=float, help="seconds to spread the waves over")
    parser.add_argument(
        "--pool",
        type=int,
        default=1000,
        help="the server's Redis connection pool size (redis-py 8 defaults to 100, which "
        "a wave of 100 connections exhausts); 0 keeps redis-py's default",
    )
    parser.add_argument(
        "--no-shout", action="store_true", help="echo only: no broadcasts while clients leave"
    )
    parser.add_argument(
        "--consumer",
        choices=["chanx", "raw"],
        default="chanx",
        help="the consumer under soak: chanx, or the hand-written Channels one (a baseline)",
    )
    parser.add_argument(
        "--warmup", type=int, default=3, help="waves before the baseline is taken (default 3)"
    )
    parser.add_argument(
        "--trace",
        action="store_true",
        help="trace the server's allocations (tracemalloc; slows it) and print what grew",
    )
    args = parser.parse_args(argv)
    connections = args.connections or (400 if args.quick else 2000)
    duration = args.duration if args.duration is not None else (20.0 if args.quick else 150.0)

    try:
        redis_context = redis_server()
        redis_url = redis_context.__enter__()
    except FileNotFoundError as exc:
        print(f"soak skipped: {exc}")
        return 0
    # channels_redis passes the URL to redis-py, which reads pool options from its query.
    server_url = f"{redis_url}?max_connections={args.pool}" if args.pool else redis_url
    with contextlib.ExitStack() as stack:
        stack.push(redis_context.__exit__)
        trace_dir = None
        if args.trace:
            trace_dir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            os.environ[memtrace.ENV] = str(trace_dir)
        server = stack.enter_context(uvicorn(server_url))
        visit = Visit(server, args.consumer, shout=not args.no_shout)
        result = asyncio.run(
            run_soak(
                visit,
                redis_url,
                connections=connections,
                wave_size=args.wave,
                duration=duration,
                warmup_waves=args.warmup,
                trace_dir=trace_dir,
            )
        )
    print(result.summary())
    return 0 if result.met else 1


if __name__ == "__main__":
    sys.exit(main())
