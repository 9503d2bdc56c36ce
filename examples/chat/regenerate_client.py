"""Regenerate the chat page's TypeScript client and compile it to the JavaScript the page loads.

    python examples/chat/regenerate_client.py            # from the code's AsyncAPI document
    python examples/chat/regenerate_client.py --check    # fail if the committed files are stale

The page (``chat/static/chat/chat.js``) imports ``chat/static/chat/client/index.js``. The
``.ts`` sources and their compiled ``.js`` are both committed: browsers run JavaScript, and
the example needs no build step to serve. The document is built in-process from the
consumers, exactly as ``/asyncapi/schema/`` serves it; the compiler is TypeScript
``TYPESCRIPT_VERSION`` (pinned, so the compiled bytes are reproducible), installed with npm
once into ``~/.cache/chanx/typescript-<version>``. The test suite runs the same functions
(``tests/client/test_typescript_example.py``), so a stale committed client fails CI.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CLIENT_DIR = HERE / "chat" / "static" / "chat" / "client"
TYPESCRIPT_VERSION = "5.9.3"

COMPILER_OPTIONS = (
    "--strict",
    "--noUnusedLocals",
    "--noUnusedParameters",
    "--noImplicitOverride",
    "--noImplicitReturns",
    "--target",
    "ES2020",
    "--module",
    "ES2020",
    "--moduleResolution",
    "bundler",
    "--lib",
    "ES2020,DOM",
    "--newLine",
    "lf",
    "--skipLibCheck",
)
"""How generated clients are checked and compiled: strict, ES2020 modules for browsers."""


def cache_root() -> Path:
    """``$XDG_CACHE_HOME/chanx`` (``~/.cache/chanx``): outside the repository, kept between runs."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "chanx"


def typescript_compiler(npm: str | None = None) -> Path:
    """The pinned ``tsc`` script (run it with ``node``), installed with npm on first use.

    Installs into a staging folder renamed into place, so a concurrent or interrupted install
    never leaves a half-filled cache behind.
    """
    target = cache_root() / f"typescript-{TYPESCRIPT_VERSION}"
    tsc = target / "node_modules" / "typescript" / "bin" / "tsc"
    if (target / "installed").exists():
        return tsc
    npm = npm or shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed: it installs the TypeScript compiler")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="typescript-", dir=target.parent))
    try:
        (staging / "package.json").write_text('{"private": true}\n', encoding="utf-8")
        subprocess.run(
            [
                *(npm, "install", "--no-audit", "--no-fund", "--ignore-scripts"),
                *("--loglevel=error", "--save-exact", f"typescript@{TYPESCRIPT_VERSION}"),
            ],
            cwd=staging,
            check=True,
            capture_output=True,
            text=True,
            timeout=600,
        )
        (staging / "installed").write_text(f"typescript {TYPESCRIPT_VERSION}\n", encoding="utf-8")
        try:
            staging.rename(target)
        except OSError:  # another process installed it meanwhile
            if not (target / "installed").exists():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return tsc


def run_tsc(tsc: Path, *arguments: str) -> None:
    """Run the compiler; raise with its diagnostics when it reports any."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not installed: it runs the TypeScript compiler")
    result = subprocess.run(
        [node, str(tsc), *COMPILER_OPTIONS, *arguments],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(f"tsc {' '.join(arguments)} failed:\n{result.stdout}{result.stderr}")


def build_chat_document() -> dict[str, Any]:
    """The example's AsyncAPI document, as ``/asyncapi/schema/`` serves it."""
    sys.path.insert(0, str(HERE))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chat_project.settings")
    import django

    django.setup()
    from chanx.asyncapi.schema import DocumentOptions, build_document

    return build_document(DocumentOptions())


def write_client(document: dict[str, Any], target: Path, tsc: Path) -> list[Path]:
    """Generate the TypeScript client of ``document`` into ``target`` and compile it there."""
    from chanx.client.model import build_api
    from chanx.client.typescript_generator import generate

    sources = generate(build_api(document), target)
    run_tsc(tsc, "--outDir", str(target), *(str(path) for path in sources))
    return sources


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="compare with the committed files; write nothing"
    )
    args = parser.parse_args(argv)
    tsc = typescript_compiler()
    document = build_chat_document()
    if not args.check:
        sources = write_client(document, CLIENT_DIR, tsc)
        print(f"wrote {len(sources)} TypeScript files and their JavaScript into {CLIENT_DIR}")
        return 0
    with tempfile.TemporaryDirectory() as folder:
        fresh = Path(folder)
        write_client(document, fresh, tsc)
        stale = [
            path.name
            for path in sorted(fresh.iterdir())
            if not (CLIENT_DIR / path.name).exists()
            or (CLIENT_DIR / path.name).read_bytes() != path.read_bytes()
        ]
    if stale:
        print(f"stale: {', '.join(stale)}; run python examples/chat/regenerate_client.py")
        return 1
    print("the committed client is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
