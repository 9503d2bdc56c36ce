"""The pages themselves: inline samples run, includes resolve, commands exist, site builds."""

from __future__ import annotations

import ast
import importlib.util
import inspect
import shlex
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest
import tomllib
import yaml
from django.core.management import load_command_class
from django.test import override_settings

from chanx.channels.checks import check_chanx_settings
from tests.docs.pages import DOCS, INCLUDE, ROOT, SNIPPETS, Block, all_blocks, pages, stray_markers

PYTHON_BLOCKS = [b for b in all_blocks() if b.lang == "python" and not b.includes]
RUN = [b for b in PYTHON_BLOCKS if b.skip_reason is None]
SHELL_BLOCKS = [b for b in all_blocks() if b.lang in ("bash", "console", "shell")]
INCLUDE_BLOCKS = [b for b in all_blocks() if b.includes]


def _execute(block: Block) -> dict[str, Any]:
    name = "docs_block_" + "".join(c if c.isalnum() else "_" for c in block.id)
    module = types.ModuleType(name)
    sys.modules[name] = module
    try:
        code = compile(block.code, f"docs/{block.id}", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        result = eval(code, module.__dict__)
        if inspect.iscoroutine(result):
            return {"__awaitable__": result, **module.__dict__}
        return module.__dict__
    finally:
        del sys.modules[name]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("block", RUN, ids=[b.id for b in RUN])
async def test_python_block_runs(block: Block) -> None:
    namespace = _execute(block)
    awaitable = namespace.pop("__awaitable__", None)
    if awaitable is not None:
        await awaitable
    chanx = namespace.get("CHANX")
    if isinstance(chanx, dict):
        # A settings sample must be one `manage.py check` accepts.
        with override_settings(CHANX=chanx):
            assert check_chanx_settings() == []


@pytest.mark.parametrize(
    "block",
    [b for b in PYTHON_BLOCKS if b.skip_reason],
    ids=[b.id for b in PYTHON_BLOCKS if b.skip_reason],
)
def test_python_block_left_out_still_compiles(block: Block) -> None:
    compile(block.code, f"docs/{block.id}", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


def test_most_python_blocks_run() -> None:
    # The escape hatch is for fragments that cannot run on their own, not a habit.
    assert len(RUN) >= 4 * (len(PYTHON_BLOCKS) - len(RUN)), [
        b.id for b in PYTHON_BLOCKS if b.skip_reason
    ]


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(DOCS)))
def test_no_test_markers_sit_right_above_a_python_block(page: Path) -> None:
    assert stray_markers(page) == []


@pytest.mark.parametrize("block", INCLUDE_BLOCKS, ids=[b.id for b in INCLUDE_BLOCKS])
def test_included_snippet_sections_exist(block: Block) -> None:
    for include in block.includes:
        source = ROOT / include["file"]
        assert source.is_file(), f"{block.id} includes missing {include['file']}"
        assert source.parent == SNIPPETS, "samples live in docs/snippets"
        section = include["section"]
        if section:
            text = source.read_text(encoding="utf-8")
            assert f"# --8<-- [start:{section}]" in text, f"{include['file']} has no {section}"
            assert f"# --8<-- [end:{section}]" in text


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(DOCS)))
def test_include_lines_are_well_formed(page: Path) -> None:
    # A mangled include (a formatter's `--8 < --"..."`) renders as text without an error.
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
        if line.lstrip().startswith("--8"):
            assert INCLUDE.match(line), f"{page.name}:{number}: malformed include {line!r}"


def _snippet_modules() -> list[str]:
    return sorted(p.stem for p in SNIPPETS.glob("*.py") if p.stem != "__init__")


def _imported_snippets() -> set[str]:
    """Snippet modules the other files of tests/docs import or name (conftest's settings)."""
    names: set[str] = set()
    for source in Path(__file__).parent.glob("*.py"):
        if source.name == Path(__file__).name:
            continue
        text = source.read_text(encoding="utf-8")
        names.update(name for name in _snippet_modules() if f"docs.snippets.{name}" in text)
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom) and node.module == "docs.snippets":
                names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize("name", _snippet_modules())
def test_every_snippet_is_shown_and_tested(name: str) -> None:
    shown = any(f"docs/snippets/{name}.py" in p.read_text(encoding="utf-8") for p in pages())
    assert shown, f"no page includes docs/snippets/{name}.py"
    assert name in _imported_snippets(), f"no test in tests/docs imports docs.snippets.{name}"


def _nav_pages(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node] if node.endswith(".md") else []
    if isinstance(node, list):
        return [page for item in node for page in _nav_pages(item)]
    if isinstance(node, dict):
        return [page for value in node.values() for page in _nav_pages(value)]
    return []


def test_nav_lists_every_page_once() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    nav = _nav_pages(config["nav"])
    assert sorted(nav) == sorted(str(p.relative_to(DOCS)) for p in pages())
    assert len(nav) == len(set(nav))


def _extras() -> dict[str, set[str]]:
    extras = {}
    for pyproject in ROOT.glob("packages/*/pyproject.toml"):
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        declared = set(data["project"].get("optional-dependencies", {}))
        hook = data.get("tool", {}).get("hatch", {}).get("metadata", {}).get("hooks", {})
        declared |= set(hook.get("custom", {}).get("optional-dependencies", {}))
        extras[data["project"]["name"]] = declared
    return extras


def _commands() -> list[tuple[str, list[str]]]:
    found = []
    for block in SHELL_BLOCKS:
        text = block.code.replace("\\\n", " ")
        for line in text.splitlines():
            line = line.split(" #")[0].strip().removeprefix("$ ")
            if line and not line.startswith("#"):
                found.append((block.id, shlex.split(line)))
    return found


@pytest.mark.parametrize("where,argv", _commands(), ids=[f"{w}:{a[0]}" for w, a in _commands()])
def test_shell_commands_are_real(where: str, argv: list[str]) -> None:
    if argv[:2] == ["pip", "install"]:
        extras = _extras()
        for requirement in argv[2:]:
            name, _, rest = requirement.partition("[")
            if not name.startswith("chanx"):
                continue
            assert name in extras, f"{where}: no distribution {name}"
            for extra in filter(None, rest.rstrip("]").split(",")):
                assert extra in extras[name], f"{where}: {name} has no extra {extra!r}"
    elif argv[:1] == ["hatch"] and argv[1:2] == ["run"]:
        hatch = tomllib.loads((ROOT / "hatch.toml").read_text(encoding="utf-8"))
        env, _, script = argv[2].partition(":")
        assert script in hatch["envs"][env].get("scripts", {}), f"{where}: {argv[2]}"
    elif "generate_asyncapi_schema" in argv:
        args = argv[argv.index("generate_asyncapi_schema") + 1 :]
        command = load_command_class("chanx.asyncapi", "generate_asyncapi_schema")
        parser = command.create_parser("manage.py", "generate_asyncapi_schema")
        parser.parse_args(args)  # exits (fails the test) on an unknown option


def test_site_builds_strictly(tmp_path: Path) -> None:
    if importlib.util.find_spec("mkdocs") is None:
        pytest.skip("mkdocs is not installed here; CI builds the site with hatch run docs:build")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
