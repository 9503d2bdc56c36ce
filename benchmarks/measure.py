"""Rounds, medians and the results table.

The clock of a shared VM drifts by ±25 %, so the suite never compares two numbers taken
far apart: each round times every implementation once, in an order that alternates
round by round (ABC, CBA, ...), and the ratio chanx/raw is the median of the per-round
ratios. Rates are per CPU second of the process doing the work.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

IMPLEMENTATIONS = ("floor", "raw", "chanx")
"""The implementations, in the order the table shows them."""


@dataclass
class Result:
    """The measurements of one scenario: per-implementation rates, one per round."""

    scenario: str
    unit: str
    target: float
    description: str
    clock: str = "process CPU"
    rates: dict[str, list[float]] = field(default_factory=dict)
    note: str = ""

    def add(self, implementation: str, rate: float) -> None:
        """Record one round's rate of one implementation."""
        self.rates.setdefault(implementation, []).append(rate)

    def median(self, implementation: str) -> float | None:
        """The median rate of an implementation, or None if it was not measured."""
        rates = self.rates.get(implementation)
        return statistics.median(rates) if rates else None

    @property
    def ratio(self) -> float | None:
        """Median over rounds of chanx's rate divided by raw's in the same round."""
        chanx, raw = self.rates.get("chanx", []), self.rates.get("raw", [])
        pairs = [c / r for c, r in zip(chanx, raw, strict=False) if r > 0]
        return statistics.median(pairs) if pairs else None

    @property
    def met(self) -> bool | None:
        """Whether chanx/raw reaches the target."""
        ratio = self.ratio
        return None if ratio is None else ratio >= self.target

    def as_dict(self) -> dict[str, Any]:
        """Everything measured, for ``--json``."""
        data = asdict(self)
        data["medians"] = {name: self.median(name) for name in self.rates}
        data["ratio"] = self.ratio
        data["met"] = self.met
        return data


def round_order(index: int) -> tuple[str, ...]:
    """The order of the implementations in round ``index``: forward, then backward."""
    return IMPLEMENTATIONS if index % 2 == 0 else IMPLEMENTATIONS[::-1]


def _rate(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def format_table(results: list[Result]) -> str:
    """The results as a Markdown table: rates per CPU second, ratio, target, verdict."""
    header = [
        "scenario",
        "unit",
        "floor rate",
        "raw rate",
        "chanx rate",
        "chanx/raw",
        "target",
        "met?",
    ]
    rows = [header, ["---"] * len(header)]
    for r in results:
        ratio = r.ratio
        met = "-" if r.met is None else ("yes" if r.met else "NO")
        rows.append(
            [
                r.scenario,
                f"{r.unit}/{'CPU s' if r.clock != 'wall' else 's'}",
                _rate(r.median("floor")),
                _rate(r.median("raw")),
                _rate(r.median("chanx")),
                "-" if ratio is None else f"{ratio:.2f}",
                f"≥{r.target:.1f}",
                met,
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for row in rows:
        cells = [
            cell.ljust(widths[i]) if i < 2 else cell.rjust(widths[i]) for i, cell in enumerate(row)
        ]
        if row[0] == "---":
            cells = ["-" * widths[i] for i in range(len(header))]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
