"""Benchmarks of chanx against a hand-written Channels consumer and a transport floor.

``python -m benchmarks`` (or ``hatch run bench:run``) runs every scenario in one process,
alternating the implementations round by round, and prints rates per CPU second with
the ratio chanx/raw. See ``docs/benchmarks.md`` for what each scenario measures.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path


def use_checkout_packages_unless(module: str) -> None:
    """Import chanx from this checkout's ``packages/*/src`` unless ``module`` is installed.

    The standalone benchmarks run in any environment with Django and Channels; without
    the chanx distribution they need, they use the sources next to them.
    """
    try:
        installed = importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # no chanx at all
        installed = False
    if not installed:
        root = Path(__file__).resolve().parent.parent
        sys.path[:0] = [str(src) for src in sorted(root.glob("packages/*/src"))]
