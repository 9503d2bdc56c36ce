"""testing.md's pytest setup, followed to the letter in a fresh project, runs without warnings.

The scratch project holds only what the pages show: the pytest configuration and the
``conftest.py`` line of testing.md, its test settings and tests, and the deployment
page's ``asgi.py`` (which checks origins). pytest runs in a subprocess with every warning
turned into an error.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.docs.pages import DOCS, ROOT, SNIPPETS, blocks

PAGE = DOCS / "testing.md"

# What `django-admin startproject` gives, and the apps the documentation's samples use;
# the page adds the rest.
_BASE_SETTINGS = """\
SECRET_KEY = "scratch"
DEBUG = True
ALLOWED_HOSTS = []
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "rest_framework",
    "rest_framework.authtoken",
    "chanx.channels",
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}}
USE_TZ = True
"""


def _section(snippet: str, name: str) -> str:
    text = (SNIPPETS / snippet).read_text(encoding="utf-8")
    match = re.search(
        rf"# --8<-- \[start:{name}\]\n(?P<body>.*?)# --8<-- \[end:{name}\]", text, re.S
    )
    assert match is not None, f"{snippet} has no section {name!r}"
    return match["body"]


def _page_block(lang: str, needle: str) -> str:
    found = [b.code for b in blocks(PAGE) if b.lang == lang and needle in b.code]
    assert len(found) == 1, f"testing.md should show one {lang} block with {needle!r}"
    return found[0]


def _scratch_project(where: Path) -> None:
    (where / "pyproject.toml").write_text(_page_block("toml", "asyncio_mode"))
    (where / "conftest.py").write_text(_page_block("python", "pytest_plugins"))
    project = where / "myproject"
    project.mkdir()
    (project / "__init__.py").write_text("")
    settings = _BASE_SETTINGS + _section("quickstart_settings.py", "settings")
    (project / "settings.py").write_text(settings + _section("settings_test.py", "settings"))
    (project / "asgi.py").write_text(_section("asgi.py", "asgi"))
    # The samples import their consumers from docs.snippets, as the pages show them.
    shutil.copytree(SNIPPETS, where / "docs" / "snippets")
    (where / "docs" / "__init__.py").write_text("")
    (where / "test_consumers.py").write_text(_section("testing_pytest.py", "tests"))


def test_documented_pytest_setup_runs_warning_free_in_a_fresh_project(tmp_path: Path) -> None:
    _scratch_project(tmp_path)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "DJANGO_SETTINGS_MODULE", "PYTEST_ADDOPTS"}
    }
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-W", "error", "-p", "no:cacheprovider", "-rA"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"pytest failed in the scratch project:\n{output}"
    summary = output.strip().splitlines()[-1]
    assert re.search(r"\b3 passed\b", summary), summary
    assert "warning" not in summary, summary
    assert str(ROOT) not in output.split("rootdir:", 1)[1].splitlines()[0], "ran in the repo"


__all__: list[str] = []
