"""Spelling Python source text the way ``ruff format`` would, without running it.

Generated files must pass ``ruff format --check`` under the default settings (88 columns,
double quotes). Everything here produces either one line that fits or the exploded form with
a magic trailing comma, which the formatter always keeps as it is.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any

from chanx.client.model import TypeRef

LINE_LENGTH = 88
INDENT = "    "

_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def string(text: str, quote: str | None = None) -> str:
    """A string literal, double-quoted unless that needs more escapes (as the formatter does)."""
    if quote is None:
        quote = "'" if '"' in text and "'" not in text else '"'
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif char == quote:
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(char)
    return quote + "".join(out) + quote


def value(data: Any) -> str:
    """A JSON value as a Python expression."""
    if data is None or isinstance(data, bool):
        return repr(data)
    if isinstance(data, int | float):
        return repr(data)
    if isinstance(data, str):
        return string(data)
    if isinstance(data, list):
        return "[" + ", ".join(value(item) for item in data) + "]"
    if isinstance(data, dict):
        return "{" + ", ".join(f"{string(str(k))}: {value(v)}" for k, v in data.items()) + "}"
    raise TypeError(f"not a JSON value: {data!r}")


def annotation(type_ref: TypeRef, *, optional: bool = False) -> str:
    """The annotation for ``type_ref``; ``optional`` adds ``| None``."""
    if type_ref.kind == "any":
        return "Any"
    if type_ref.kind == "null":
        return "None"
    spelled = _bare(type_ref)
    if type_ref.nullable or optional:
        spelled += " | None"
    return spelled


def _bare(type_ref: TypeRef) -> str:
    kind = type_ref.kind
    if kind == "string":
        return "str"
    if kind == "integer":
        return "int"
    if kind == "number":
        return "float"
    if kind == "boolean":
        return "bool"
    if kind == "literal":
        return "Literal[" + ", ".join(value(item) for item in type_ref.literals) + "]"
    if kind == "array":
        return f"list[{annotation(type_ref.item or TypeRef('any'))}]"
    if kind == "map":
        return f"dict[str, {annotation(type_ref.item or TypeRef('any'))}]"
    if kind == "model":
        return str(type_ref.model)
    if kind == "union":
        return " | ".join(annotation(option) for option in type_ref.options)
    return "Any"


def uses_literal(type_ref: TypeRef) -> bool:
    """Whether spelling ``type_ref`` needs ``Literal``."""
    return type_ref.kind == "literal" or any(uses_literal(t) for t in _children(type_ref))


def uses_any(type_ref: TypeRef) -> bool:
    """Whether spelling ``type_ref`` needs ``Any``."""
    return type_ref.kind == "any" or any(uses_any(t) for t in _children(type_ref))


def _children(type_ref: TypeRef) -> tuple[TypeRef, ...]:
    return (*((type_ref.item,) if type_ref.item else ()), *type_ref.options)


def docstring(text: str, indent: str) -> list[str]:
    """A docstring at ``indent``; long lines are wrapped, blank lines and structure are kept."""
    body = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').expandtabs(4)
    width = LINE_LENGTH - len(indent)
    lines: list[str] = []
    for raw in body.strip().splitlines():
        line = raw.rstrip()
        if len(line) + 6 > width:
            lead = line[: len(line) - len(line.lstrip())]
            lines.extend(
                textwrap.wrap(
                    line.strip(),
                    width=max(width - 6, 20),
                    initial_indent=lead,
                    subsequent_indent=lead,
                    break_long_words=False,
                    break_on_hyphens=False,
                )
                or [""]
            )
        else:
            lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    if lines and lines[-1].endswith('"'):
        lines[-1] += " "
    if lines and lines[0].startswith(" "):
        lines[0] = lines[0].lstrip()
    if len(lines) == 1:
        return [f'{indent}"""{lines[0]}"""']
    return [
        f'{indent}"""{lines[0]}',
        *(f"{indent}{line}" if line else "" for line in lines[1:]),
        f'{indent}"""',
    ]


def bracketed(head: str, items: Sequence[str], tail: str, indent: str, *, close: str) -> list[str]:
    """``head(items)tail`` on one line when it fits, else one item per line (trailing comma).

    ``head`` ends with the opening bracket and ``close`` is the closing one, e.g.
    ``bracketed("def f(", ["self"], " -> None:", "    ", close=")")``.
    """
    one_line = f"{indent}{head}{', '.join(items)}{close}{tail}"
    if len(one_line) <= LINE_LENGTH or not items:
        return [one_line]
    inner = indent + INDENT
    return [f"{indent}{head}", *(f"{inner}{item}," for item in items), f"{indent}{close}{tail}"]


def union_alias(name: str, members: Sequence[str], indent: str = "") -> list[str]:
    """``name = A | B | C``; in parentheses when too long, one member per line if need be."""
    union = " | ".join(members)
    one_line = f"{indent}{name} = {union}"
    if len(one_line) <= LINE_LENGTH:
        return [one_line]
    inner = indent + INDENT
    if len(inner + union) <= LINE_LENGTH:
        return [f"{indent}{name} = (", inner + union, f"{indent})"]
    return [
        f"{indent}{name} = (",
        f"{inner}{members[0]}",
        *(f"{inner}| {member}" for member in members[1:]),
        f"{indent})",
    ]


def discriminated_alias(name: str, members: Sequence[str], discriminator: str) -> list[str]:
    """``name = Annotated[A | B, Field(discriminator=...)]`` in the formatter's layout."""
    field = f"Field(discriminator={string(discriminator)})"
    one_line = f"{name} = Annotated[{' | '.join(members)}, {field}]"
    if len(one_line) <= LINE_LENGTH:
        return [one_line]
    union = " | ".join(members)
    if len(INDENT + union + ",") <= LINE_LENGTH:
        return [f"{name} = Annotated[", f"{INDENT}{union},", f"{INDENT}{field},", "]"]
    return [
        f"{name} = Annotated[",
        f"{INDENT}{members[0]}",
        *(f"{INDENT}| {member}" for member in members[1:-1]),
        f"{INDENT}| {members[-1]},",
        f"{INDENT}{field},",
        "]",
    ]


def import_order(names: Iterable[str]) -> list[str]:
    """``names`` sorted as isort (and ruff's ``I`` rules) sort imported names.

    Case-insensitive with numbers compared as numbers: ``Item2`` before ``Item10``,
    ``JoinedMessage`` before ``JoinMessage``.
    """

    def key(name: str) -> tuple[list[tuple[int, int | str]], str]:
        parts = re.split(r"(\d+)", name.lower())
        return [(0, int(p)) if p.isdigit() else (1, p) for p in parts if p], name

    return sorted(names, key=key)


def header(generator_version: str, title: str, version: str) -> list[str]:
    """The comment opening every generated file (no timestamp: output is reproducible)."""
    source = " ".join(f"{title} {version}".split())
    text = f"Generated by chanx-client {generator_version} from {source}."
    if len(text) + len(" Do not edit.") + 2 <= LINE_LENGTH:
        return [f"# {text} Do not edit."]
    wrapped = textwrap.wrap(text, LINE_LENGTH - 2, break_long_words=False)
    return [f"# {line}" for line in [*wrapped, "Do not edit."]]
