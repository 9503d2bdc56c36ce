"""``chanx-client generate``: exit codes, one-line errors, idempotent output with a manifest."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from chanx.client.cli import main
from chanx.client.manifest import MANIFEST_NAME
from tests.client.documents import TOPICS, UPSTREAM


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chanx.client", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_generate_writes_a_package_and_a_manifest(tmp_path: Path) -> None:
    out = tmp_path / "client"
    result = run_cli("generate", "--schema", str(TOPICS), "--output", str(out))
    assert result.returncode == 0, result.stderr
    assert "wrote 4 files" in result.stdout
    manifest = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest == {
        "generator": "chanx-client",
        "language": "python",
        "files": ["__init__.py", "hub.py", "models.py", "streams.py"],
    }


def test_regenerating_changes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "client"
    assert main(["generate", "--schema", str(UPSTREAM), "--output", str(out)]) == 0
    before = snapshot(out)
    assert main(["generate", "--schema", str(UPSTREAM), "--output", str(out)]) == 0
    assert snapshot(out) == before


def test_regenerating_removes_stale_files_but_never_the_users(tmp_path: Path) -> None:
    out = tmp_path / "client"
    assert main(["generate", "--schema", str(UPSTREAM), "--output", str(out)]) == 0
    (out / "notes.md").write_text("mine", encoding="utf-8")
    (out / "extra.py").write_text("x = 1\n", encoding="utf-8")
    assert main(["generate", "--schema", str(TOPICS), "--output", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        MANIFEST_NAME,
        "__init__.py",
        "extra.py",
        "hub.py",
        "models.py",
        "notes.md",
        "streams.py",
    ]


def test_a_tampered_manifest_cannot_delete_outside_the_output(tmp_path: Path) -> None:
    out = tmp_path / "client"
    precious = tmp_path / "precious.txt"
    precious.write_text("keep", encoding="utf-8")
    out.mkdir()
    (out / MANIFEST_NAME).write_text(
        json.dumps({"files": ["../precious.txt", str(precious)]}), encoding="utf-8"
    )
    assert main(["generate", "--schema", str(TOPICS), "--output", str(out)]) == 0
    assert precious.read_text(encoding="utf-8") == "keep"


def write(tmp_path: Path, document: Any) -> str:
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"asyncapi": "2.6.0", "info": {"title": "T"}}, "not an AsyncAPI 3.0 document"),
        (
            {
                "asyncapi": "3.0.0",
                "info": {"title": "T", "version": "1"},
                "channels": {"c": {"$ref": "#/channels/missing"}},
            },
            "unresolvable $ref '#/channels/missing'",
        ),
    ],
)
def test_bad_documents_exit_2_with_one_line(tmp_path: Path, document: Any, expected: str) -> None:
    result = run_cli(
        "generate", "--schema", write(tmp_path, document), "--output", str(tmp_path / "o")
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and expected in result.stderr
    assert result.stderr.startswith("chanx-client: error: ")
    assert not (tmp_path / "o").exists()


def test_identifier_collision_exits_2_naming_both(tmp_path: Path) -> None:
    document = json.loads(TOPICS.read_text(encoding="utf-8"))
    document["channels"]["hub-room"] = {"address": "/ws/x/"}
    document["channels"]["HubRoom"] = {"address": "/ws/y/"}
    result = run_cli(
        "generate", "--schema", write(tmp_path, document), "--output", str(tmp_path / "o")
    )
    assert result.returncode == 2
    assert "channel 'hub-room' and channel 'HubRoom'" in result.stderr
    assert result.stderr.count("\n") == 1


def test_unreachable_url_exits_2(tmp_path: Path) -> None:
    result = run_cli(
        "generate", "--schema", "http://127.0.0.1:9/asyncapi.json", "--output", str(tmp_path)
    )
    assert result.returncode == 2
    assert result.stderr.startswith("chanx-client: error: cannot reach http://127.0.0.1:9/")


def test_typescript_language_uses_the_typescript_generator(tmp_path: Path) -> None:
    out = tmp_path / "ts"
    code = main(
        ["generate", "--schema", str(TOPICS), "--output", str(out), "--language", "typescript"]
    )
    manifest = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert code == 0
    assert manifest["language"] == "typescript"
    assert any(name.endswith(".ts") for name in manifest["files"]), manifest["files"]


def test_usage_errors_are_argparse_errors(tmp_path: Path) -> None:
    result = run_cli("generate", "--output", str(tmp_path))
    assert result.returncode == 2
    assert "--schema" in result.stderr
