"""Where a server's memory went: ``tracemalloc`` snapshots taken on a signal.

The soak (``python -m benchmarks.soak --trace``) starts the server with
``CHANX_BENCH_TRACEMALLOC`` naming a directory; :func:`install` then writes a snapshot
there each time the process receives ``SIGUSR1``. The soak signals after its warm-up
(tracing starts then) and at the end, and prints the allocation sites that grew, so
growth in RSS can be told apart from growth in live Python objects (what the allocator
keeps after objects are freed does not show in the snapshots).
"""

from __future__ import annotations

import gc
import itertools
import signal
import tracemalloc
from pathlib import Path
from types import FrameType

ENV = "CHANX_BENCH_TRACEMALLOC"
"""The environment variable naming the snapshot directory."""

FRAMES = 12
"""Frames kept per allocation: enough to see which caller of a library allocated."""


def snapshot_path(directory: Path, number: int) -> Path:
    """Where the server writes its snapshot number ``number`` (0 for the first)."""
    return directory / f"snapshot-{number}.pickle"


def install(directory: str) -> None:
    """Write a snapshot to ``directory`` on each SIGUSR1; the first one starts tracing.

    Tracing starts late on purpose: tracing Django's start-up takes too long, and only
    what is allocated after the baseline and still alive at the end matters here.
    """
    numbers = itertools.count()

    def take(signum: int, frame: FrameType | None) -> None:
        if not tracemalloc.is_tracing():
            tracemalloc.start(FRAMES)
        gc.collect()
        snapshot = tracemalloc.take_snapshot()
        path = snapshot_path(Path(directory), next(numbers))
        snapshot.dump(str(path.with_suffix(".tmp")))
        path.with_suffix(".tmp").rename(path)

    signal.signal(signal.SIGUSR1, take)


def growth(before: Path, after: Path, limit: int = 12) -> list[str]:
    """The allocation sites that grew most between two snapshots, as printable lines."""
    ignored = [
        tracemalloc.Filter(False, tracemalloc.__file__),
        tracemalloc.Filter(False, "<frozen importlib._bootstrap*>"),
    ]
    old = tracemalloc.Snapshot.load(str(before)).filter_traces(ignored)
    new = tracemalloc.Snapshot.load(str(after)).filter_traces(ignored)
    total = sum(s.size for s in new.statistics("filename")) - sum(
        s.size for s in old.statistics("filename")
    )
    lines = [f"  traced Python memory grew {total / 1024:+.1f} KiB; largest growth by site:"]
    for diff in new.compare_to(old, "traceback")[:limit]:
        if diff.size_diff <= 0:
            break
        lines.append(
            f"  {diff.size_diff / 1024:+9.1f} KiB {diff.count_diff:+7d} blocks, allocated at:"
        )
        frames = [f for f in diff.traceback if "site-packages/asyncio" not in f.filename]
        lines.extend(f"      {f.filename}:{f.lineno}" for f in frames[-6:])
    return lines
