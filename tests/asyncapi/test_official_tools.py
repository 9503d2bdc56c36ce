"""The official AsyncAPI tools accept the documents chanx generates.

Three documents: the chat example's (``manage.py generate_asyncapi_schema`` in
``examples/chat``), the test project's (``tests.project.asgi``) and the AsyncAPI tests' routing
(``tests.asyncapi.asgi``: nested routers, ``re_path``, module-qualified names). Each goes
through the npm packages pinned in ``official_tools/package-lock.json``:

- ``@asyncapi/parser``: no error;
- Spectral's ``spectral:asyncapi`` ruleset (``@stoplight/spectral-cli``, the Spectral that
  ``@asyncapi/cli`` 6.2.0 runs): no error and no warning but the accepted ones below;
- ``@asyncapi/modelina`` generating TypeScript: one interface per message, with a required
  action key.

The packages are installed once (``npm ci``) into a cache directory outside the repository,
named by the lock file's digest, and reused by later sessions. Without ``node`` or ``npm``
the tests skip, except with ``CI`` set, where they fail: ``.ci/run`` installs both.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from tests.e2e.servers import EXAMPLE, REPO, example_env

TOOLS = Path(__file__).with_name("official_tools")

TRAILING_SLASH = "asyncapi-3-channel-no-trailing-slash"
"""Django routes end in ``/`` (``path("ws/chat/<room>/")``), and the address is the route."""

ACCEPTED_WARNINGS = {
    # Operations of handlers and messages without a docstring get a description said from
    # their types, so the test projects' fixtures pass the description rule too.
    "chat-example": {TRAILING_SLASH},
    "test-project": {TRAILING_SLASH},
    "asyncapi-tests": {TRAILING_SLASH},
}

PROJECT_INFO = {
    "ASYNCAPI_DESCRIPTION": "The chanx test suite's consumers.",
    "ASYNCAPI_CONTACT": {
        "name": "chanx tests",
        "url": "https://chanx.example.com/",
        "email": "tests@example.com",
    },
    "ASYNCAPI_LICENSE": {"name": "MIT", "url": "https://opensource.org/license/mit"},
    "ASYNCAPI_TAGS": [{"name": "tests", "description": "Consumers of the test suite."}],
}
"""The ``info`` a real project sets (Spectral warns without contact, license and tags)."""

PROJECT_APPLICATIONS = {
    "test-project": "tests.project.asgi.application",
    "asyncapi-tests": "tests.asyncapi.asgi.application",
}


def _node_and_npm() -> tuple[str, str]:
    """``node`` and ``npm``; skips the test without them, fails it in CI."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        missing = " and ".join(name for name, found in (("node", node), ("npm", npm)) if not found)
        if os.environ.get("CI"):
            pytest.fail(f"{missing} not installed but CI is set: .ci/run must install them")
        pytest.skip(f"{missing} not installed (apt-get install nodejs npm)")
    return node, npm


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "chanx"


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """The pinned npm packages, installed with ``npm ci`` once per lock file and cached."""
    _, npm = _node_and_npm()
    lock = (TOOLS / "package-lock.json").read_bytes()
    digest = hashlib.sha256(lock + (TOOLS / "package.json").read_bytes()).hexdigest()[:16]
    target = _cache_root() / f"asyncapi-official-tools-{digest}"
    if (target / "installed").exists():
        return target / "node_modules"
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="asyncapi-official-tools-", dir=target.parent))
    try:
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(TOOLS / name, staging / name)
        started = time.monotonic()
        # --ignore-scripts: no package needs its install script (Scarf's only reports usage).
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
            cwd=staging,
            env=dict(os.environ, SCARF_ANALYTICS="false"),
            capture_output=True,
            text=True,
            timeout=900,
        )
        if result.returncode != 0:
            pytest.fail(f"npm ci failed in {staging}:\n{result.stdout}\n{result.stderr}")
        (staging / "installed").write_text(f"{time.monotonic() - started:.1f}s\n")
        print(
            f"\nnpm ci of {TOOLS.relative_to(REPO)} took {time.monotonic() - started:.0f}s"
            f" into {target}",
            file=sys.stderr,
        )
        try:
            staging.rename(target)
        except OSError:  # another session installed it meanwhile
            if not (target / "installed").exists():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target / "node_modules"


@pytest.fixture(scope="session")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The three documents as JSON files, generated as a project generates them."""
    folder = tmp_path_factory.mktemp("asyncapi-documents")
    files = {"chat-example": folder / "chat-example.json"}
    command = ["manage.py", "generate_asyncapi_schema", "--validate"]
    subprocess.run(
        [sys.executable, *command, "--file", str(files["chat-example"])],
        cwd=EXAMPLE,
        env=example_env(folder / "chat.sqlite3"),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    chanx = {**getattr(settings, "CHANX", {}), **PROJECT_INFO}
    for name, application in PROJECT_APPLICATIONS.items():
        files[name] = folder / f"{name}.json"
        with override_settings(ASGI_APPLICATION=application, CHANX=chanx):
            call_command(
                "generate_asyncapi_schema",
                "--validate",
                f"--file={files[name]}",
                stdout=StringIO(),
                stderr=StringIO(),
            )
    return files


def _run_node(node_modules: Path, *args: str) -> Any:
    node, _ = _node_and_npm()
    result = subprocess.run(
        [node, *args],
        cwd=TOOLS,
        env=dict(os.environ, NODE_PATH=str(node_modules)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    # Spectral exits 1 when it found errors; its JSON report says which.
    assert result.stdout.strip(), f"node {' '.join(args)} printed nothing:\n{result.stderr}"
    return json.loads(result.stdout)


def _listing(findings: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{f['severity']} {f['code']} at {f['path']}: {f['message']}" for f in findings
    )


@pytest.fixture(params=sorted(ACCEPTED_WARNINGS))
def document(request: pytest.FixtureRequest, documents: dict[str, Path]) -> Iterator[Path]:
    yield documents[request.param]


def test_official_parser_finds_no_errors(node_modules: Path, document: Path) -> None:
    diagnostics = _run_node(node_modules, "parse.js", str(document))
    errors = [d for d in diagnostics if d["severity"] == "error"]
    assert not errors, _listing(errors)


def test_spectral_asyncapi_ruleset_warns_only_about_accepted_rules(
    node_modules: Path, document: Path
) -> None:
    spectral = node_modules / "@stoplight" / "spectral-cli" / "dist" / "index.js"
    results = _run_node(
        node_modules,
        str(spectral),
        "lint",
        "--ruleset=.spectral.yaml",
        "--format=json",
        "--quiet",
        str(document),
    )
    severities = {0: "error", 1: "warning", 2: "information", 3: "hint"}
    findings = [
        {
            "severity": severities[r["severity"]],
            "code": r["code"],
            "path": "/".join(map(str, r["path"])),
            "message": r["message"],
        }
        for r in results
    ]
    accepted = ACCEPTED_WARNINGS[document.stem]
    refused = [
        f
        for f in findings
        if f["severity"] == "error" or (f["severity"] == "warning" and f["code"] not in accepted)
    ]
    assert not refused, _listing(refused)


def _type_name(title: str) -> str:
    # How Modelina names a model: the schema title, PascalCased (`shop__models__Item` →
    # `ShopModelsItem`).
    return "".join(
        part[:1].upper() + part[1:] for part in re.split(r"[^0-9A-Za-z]+", title) if part
    )


def test_modelina_generates_one_interface_per_message_with_a_required_action(
    node_modules: Path, document: Path
) -> None:
    models = _run_node(node_modules, "models.js", str(document))
    names = [model["name"] for model in models]
    assert len(names) == len(set(names)), f"Modelina merged or repeated models: {names}"
    interfaces = {model["name"]: model["code"] for model in models}
    spec = json.loads(document.read_text(encoding="utf-8"))
    messages = spec["components"]["messages"]
    assert messages
    for key, message in messages.items():
        name = _type_name(message["title"])
        assert name in interfaces, f"no interface {name} for message {key}: {sorted(interfaces)}"
        code = interfaces[name]
        assert code.startswith(f"interface {name} {{"), code
        assert re.search(r"^  action: \S", code, re.MULTILINE), f"action not required:\n{code}"
