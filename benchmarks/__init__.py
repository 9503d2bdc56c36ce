"""Benchmarks of chanx against a hand-written Channels consumer and a transport floor.

``python -m benchmarks`` (or ``hatch run bench:run``) runs every scenario in one process,
alternating the implementations round by round, and prints rates per CPU second with
the ratio chanx/raw. See ``docs/benchmarks.md`` for what each scenario measures.
"""
