"""``python -m benchmarks``: every scenario, in-process and end to end, in one run.

Options: ``--quick`` for a ~30 s smoke run, ``--json FILE`` to write the results,
``--skip-e2e`` to stay in-process, ``--profile SCENARIO`` to print where chanx spends
its time in one in-process scenario (top 15 functions by own time) instead of timing.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

from benchmarks.measure import Result, format_table


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="chanx vs a hand-written Channels consumer vs a transport floor.",
    )
    parser.add_argument("--quick", action="store_true", help="a ~30 s smoke run")
    parser.add_argument("--json", metavar="FILE", type=Path, help="write the results here")
    parser.add_argument("--rounds", type=int, help="rounds per scenario (default 7, quick 3)")
    parser.add_argument("--skip-e2e", action="store_true", help="in-process scenarios only")
    parser.add_argument(
        "--raw-without-cleanup",
        action="store_true",
        help="in-process, compare with a raw consumer that skips Channels' per-message "
        "database cleanup (not the default baseline)",
    )
    parser.add_argument(
        "--profile",
        metavar="SCENARIO",
        help="cProfile chanx in one in-process scenario (e.g. 'broadcast') and exit",
    )
    return parser


def _report(result: Result) -> None:
    ratio = result.ratio
    shown = "-" if ratio is None else f"{ratio:.2f}"
    print(f"  {result.scenario:<28} chanx/raw {shown} (target ≥{result.target})", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the suite; returns the exit status (0 even when a target is missed)."""
    args = _parser().parse_args(argv)
    from benchmarks.inprocess import profile_chanx, run_in_process
    from benchmarks.scenarios import in_process_scenarios

    scale = 0.35 if args.quick else 1.0
    rounds = args.rounds or (3 if args.quick else 7)

    if args.profile:
        matches = [s for s in in_process_scenarios(scale) if args.profile.lower() in s.name.lower()]
        if not matches:
            names = ", ".join(s.name for s in in_process_scenarios(scale))
            print(f"no scenario matches {args.profile!r}; scenarios: {names}", file=sys.stderr)
            return 2
        print(f"chanx, {matches[0].name}, {matches[0].size} {matches[0].unit}:")
        print(profile_chanx(matches[0]))
        return 0

    started = time.monotonic()
    print(f"in-process, InMemoryChannelLayer, {rounds} rounds, rates per CPU second", flush=True)
    results = run_in_process(
        in_process_scenarios(scale), rounds, _report, raw_without_cleanup=args.raw_without_cleanup
    )
    if not args.skip_e2e:
        from benchmarks.e2e import run_end_to_end

        results += run_end_to_end(quick=args.quick, rounds=rounds, report=_report)
        from benchmarks.client_roundtrip import run_client_roundtrip

        results += run_client_roundtrip(quick=args.quick, rounds=rounds, report=_report)
    elapsed = time.monotonic() - started

    print()
    print(format_table(results))
    notes = [f"{r.scenario}: {r.note}" for r in results if r.note]
    for note in notes:
        print(f"note: {note}")
    print(
        f"\n{len(results)} scenarios in {elapsed:.0f} s; "
        f"{sum(bool(r.met) for r in results)} of {len(results)} targets met."
    )

    if args.json:
        document = {
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
            "rounds": rounds,
            "quick": args.quick,
            "results": [r.as_dict() for r in results],
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n")
        print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
