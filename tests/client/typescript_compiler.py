"""The pinned TypeScript compiler for the tests, shared with the chat example's regenerate script.

``examples/chat/regenerate_client.py`` owns the pin (``TYPESCRIPT_VERSION``), the compiler
options and the npm install into ``~/.cache/chanx/typescript-<version>`` (done once, then
reused by every session); the tests load that script so that they check generated code
exactly as the example compiles it. Without ``node`` or ``npm`` the tests skip, except with
``CI`` set, where they fail: ``.ci/run`` installs both.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest

from tests.e2e.servers import EXAMPLE


@cache
def regenerate_script() -> ModuleType:
    """``examples/chat/regenerate_client.py``, imported as a module."""
    path = EXAMPLE / "regenerate_client.py"
    spec = importlib.util.spec_from_file_location("chat_regenerate_client", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def typescript_compiler() -> Path:
    """The pinned ``tsc`` (installed on first use); skips without node/npm, fails in CI."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        reason = f"{' and '.join(missing)} not installed (apt-get install nodejs npm)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} but CI is set: .ci/run must install them")
        pytest.skip(reason)
    try:
        tsc: Path = regenerate_script().typescript_compiler()
    except subprocess.CalledProcessError as exc:
        pytest.fail(f"npm could not install TypeScript:\n{exc.stdout}\n{exc.stderr}")
    return tsc


def run_tsc(tsc: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run ``tsc`` with the example's compiler options; the caller checks the result."""
    node = shutil.which("node")
    assert node is not None
    options = regenerate_script().COMPILER_OPTIONS
    return subprocess.run(
        [node, str(tsc), *options, *arguments],
        capture_output=True,
        text=True,
        timeout=300,
    )
