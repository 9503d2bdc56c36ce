"""Reading the documentation pages: their fenced code blocks and snippet includes.

Conventions the tests enforce:

* every ```` ```python ```` block is executed (top-level ``await`` allowed), unless the line
  right before it is ``<!-- no-test: REASON -->``; such a block is still compiled;
* a block whose lines are ``--8<-- "docs/snippets/FILE.py:SECTION"`` includes a
  section of a real module from ``docs/snippets``, which a test imports and drives;
* shell blocks (``bash``, ``console``) are not run, but the ``pip install``, ``hatch``
  and ``manage.py generate_asyncapi_schema`` commands in them are checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SNIPPETS = DOCS / "snippets"

NO_TEST = re.compile(r"^\s*<!-- no-test: (?P<reason>\S.*?) -->\s*$")
_FENCE = re.compile(r"^(?P<indent>\s*)(?P<ticks>`{3,})(?P<info>[^`]*)$")
INCLUDE = re.compile(r'^\s*--8<--\s+"(?P<file>[^":]+)(?::(?P<section>[\w-]+))?"\s*$')


@dataclass(frozen=True)
class Block:
    """One fenced code block of a page."""

    page: str
    line: int
    lang: str
    code: str
    skip_reason: str | None

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def includes(self) -> list[re.Match[str]]:
        return [m for m in map(INCLUDE.match, self.code.splitlines()) if m]


def pages() -> list[Path]:
    """Every Markdown page of the site (the snippets folder holds no pages)."""
    return sorted(p for p in DOCS.rglob("*.md") if SNIPPETS not in p.parents)


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of ``page``, dedented to their fence."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        indent, ticks = opening["indent"], opening["ticks"]
        lang = (opening["info"].split() or [""])[0]
        before = lines[index - 1] if index else ""
        marker = NO_TEST.match(before)
        body: list[str] = []
        end = index + 1
        while end < len(lines) and lines[end].strip() != ticks:
            body.append(lines[end][len(indent) :] if lines[end].startswith(indent) else lines[end])
            end += 1
        if end == len(lines):
            raise AssertionError(f"{page.name}:{index + 1}: unclosed code fence")
        found.append(
            Block(
                page=str(page.relative_to(DOCS)),
                line=index + 1,
                lang=lang,
                code="\n".join(body) + "\n",
                skip_reason=marker["reason"] if marker else None,
            )
        )
        index = end + 1
    return found


def all_blocks() -> list[Block]:
    return [block for page in pages() for block in blocks(page)]


def stray_markers(page: Path) -> list[int]:
    """Lines of ``no-test`` markers not directly followed by a python fence."""
    lines = page.read_text(encoding="utf-8").splitlines()
    stray = []
    for number, line in enumerate(lines, start=1):
        if NO_TEST.match(line) or "no-test" in line:
            following = lines[number] if number < len(lines) else ""
            fence = _FENCE.match(following)
            if not (NO_TEST.match(line) and fence and fence["info"].split()[:1] == ["python"]):
                stray.append(number)
    return stray
