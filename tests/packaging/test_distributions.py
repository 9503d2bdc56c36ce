"""The five chanx-* distributions build, pin each other to one version and install split.

Every wheel and sdist is built once per session (with uv, from the package folders and again
from each sdist), then installed in growing combinations into fresh virtualenvs, where a
subprocess probes what imports and what fails with a message naming the distribution to add.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement

pytestmark = [pytest.mark.packaging, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]
VERSION = (ROOT / "VERSION").read_text().strip()

# distribution -> top-level modules it ships under the `chanx` namespace
MODULES: dict[str, tuple[str, ...]] = {
    "chanx-core": ("core", "messages", "constants"),
    "chanx-channels": ("channels",),
    "chanx-drf": ("drf",),
    "chanx-asyncapi": ("asyncapi",),
    "chanx-testing": ("testing",),
    "chanx-client": ("client",),
}

# distribution -> the sibling requirements it must declare, as (name, extra or None)
SIBLING_PINS: dict[str, set[tuple[str, str | None]]] = {
    "chanx-core": set(),
    "chanx-channels": {("chanx-core", None)},
    "chanx-drf": {("chanx-channels", None)},
    "chanx-asyncapi": {("chanx-core", None), ("chanx-channels", "django")},
    "chanx-testing": {("chanx-channels", None)},
    "chanx-client": set(),
}

# Settings for probes of the Django-facing packages, so modules that touch settings can import.
_DJANGO_PRELUDE = """
import django
from django.conf import settings

settings.configure(
    INSTALLED_APPS={apps!r},
    DATABASES={{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}}},
    CHANNEL_LAYERS={{"default": {{"BACKEND": "channels.layers.InMemoryChannelLayer"}}}},
    SECRET_KEY="packaging-probe",
    USE_TZ=True,
)
django.setup()
"""

_BASE_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "channels"]


def _uv() -> str:
    try:
        from uv import find_uv_bin
    except ImportError:
        found = shutil.which("uv")
        if found is None:
            pytest.fail("uv is needed to build and install the distributions (pip install uv)")
        return found
    return str(find_uv_bin())


def _clean_env() -> dict[str, str]:
    """Environment for child processes: no active venv, no settings module, no source paths."""
    env = dict(os.environ)
    for name in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "UV_PYTHON"):
        env.pop(name, None)
    return env


def _run(cmd: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        cmd, cwd=cwd, env=_clean_env(), capture_output=True, text=True, timeout=timeout
    )
    if proc.returncode != 0:
        pytest.fail(
            f"command failed ({proc.returncode}): {' '.join(cmd)}\n"
            f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
        )
    return proc


def _dist_file_name(dist: str) -> str:
    return dist.replace("-", "_")


@dataclass(frozen=True)
class Built:
    """Where the session's distributions are."""

    wheels: Path  # wheels and sdists built from the package folders
    from_sdist: Path  # wheels built from those sdists

    def wheel(self, dist: str) -> Path:
        return self.wheels / f"{_dist_file_name(dist)}-{VERSION}-py3-none-any.whl"

    def sdist(self, dist: str) -> Path:
        return self.wheels / f"{_dist_file_name(dist)}-{VERSION}.tar.gz"

    def sdist_wheel(self, dist: str) -> Path:
        return self.from_sdist / f"{_dist_file_name(dist)}-{VERSION}-py3-none-any.whl"


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    uv = _uv()
    base = tmp_path_factory.mktemp("chanx-dists")
    result = Built(wheels=base / "dist", from_sdist=base / "from-sdist")
    for dist in MODULES:
        _run(
            [
                uv,
                "build",
                "--sdist",
                "--wheel",
                "--out-dir",
                str(result.wheels),
                str(ROOT / "packages" / dist),
            ],
            cwd=ROOT,
        )
        _run(
            [uv, "build", "--wheel", "--out-dir", str(result.from_sdist), str(result.sdist(dist))],
            cwd=base,
        )
    return result


def _metadata(wheel: Path) -> tuple[list[str], dict[str, list[str]]]:
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        message = Parser().parsestr(zf.read(meta_name).decode())
    fields = {key: message.get_all(key) or [] for key in ("Name", "Version", "Requires-Dist")}
    return names, fields


def _sibling_requirements(requires: list[str]) -> dict[tuple[str, str | None], str]:
    """Map (name, extra) -> specifier for every chanx-* requirement in Requires-Dist."""
    found: dict[tuple[str, str | None], str] = {}
    for line in requires:
        req = Requirement(line)
        if not req.name.startswith("chanx-"):
            continue
        extra = None
        if req.marker is not None:
            marker = str(req.marker)
            assert marker.startswith("extra =="), f"unexpected marker on {line!r}"
            extra = marker.split("==", 1)[1].strip().strip("'\"")
        found[(req.name, extra)] = str(req.specifier)
    return found


@pytest.mark.parametrize("dist", list(MODULES))
def test_wheel_and_sdist_carry_the_repository_version(built: Built, dist: str) -> None:
    _, fields = _metadata(built.wheel(dist))
    assert fields["Name"] == [dist]
    assert fields["Version"] == [VERSION]
    assert built.sdist(dist).is_file()
    _, sdist_fields = _metadata(built.sdist_wheel(dist))
    assert sdist_fields["Version"] == [VERSION]


@pytest.mark.parametrize("dist", list(MODULES))
def test_sibling_dependencies_are_pinned_to_the_version(built: Built, dist: str) -> None:
    expected = {key: f"=={VERSION}" for key in SIBLING_PINS[dist]}
    _, fields = _metadata(built.wheel(dist))
    assert _sibling_requirements(fields["Requires-Dist"]) == expected


@pytest.mark.parametrize("dist", list(MODULES))
def test_wheel_built_from_sdist_keeps_the_pins(built: Built, dist: str) -> None:
    _, direct = _metadata(built.wheel(dist))
    _, from_sdist = _metadata(built.sdist_wheel(dist))
    assert sorted(from_sdist["Requires-Dist"]) == sorted(direct["Requires-Dist"])
    expected = {key: f"=={VERSION}" for key in SIBLING_PINS[dist]}
    assert _sibling_requirements(from_sdist["Requires-Dist"]) == expected


@pytest.mark.parametrize("dist", list(MODULES))
def test_wheel_ships_only_its_namespace_portion_and_py_typed(built: Built, dist: str) -> None:
    for wheel in (built.wheel(dist), built.sdist_wheel(dist)):
        names, _ = _metadata(wheel)
        assert "chanx/__init__.py" not in names
        for module in MODULES[dist]:
            assert f"chanx/{module}/py.typed" in names
            assert f"chanx/{module}/__init__.py" in names
        allowed = tuple(f"chanx/{module}/" for module in MODULES[dist])
        stray = [n for n in names if ".dist-info/" not in n and not n.startswith(allowed)]
        assert stray == [], f"{wheel.name} ships files outside its modules: {stray}"


# --- split installs -------------------------------------------------------------------------


@dataclass(frozen=True)
class Venv:
    """A fresh virtualenv with some chanx-* wheels installed."""

    python: Path
    workdir: Path
    installed_apps: list[str]

    def probe(self, code: str, *, django: bool = True) -> str:
        """Run ``code`` with the venv's interpreter; fail the test with its output if it fails."""
        script = textwrap.dedent(code)
        if django:
            script = _DJANGO_PRELUDE.format(apps=self.installed_apps) + script
        proc = subprocess.run(
            [str(self.python), "-c", script],
            cwd=self.workdir,
            env=_clean_env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, (
            f"probe failed ({proc.returncode}):\n{script}\n--- stdout\n{proc.stdout}"
            f"\n--- stderr\n{proc.stderr}"
        )
        return proc.stdout

    def import_error_names(self, module: str, hint: str) -> None:
        """Assert that importing ``module`` raises ImportError whose message contains ``hint``."""
        self.probe(
            f"""
            try:
                import {module}
            except ImportError as exc:
                assert {hint!r} in str(exc), f"ImportError without {hint!r}: {{exc}}"
            else:
                raise SystemExit("import {module} succeeded; expected ImportError with {hint!r}")
            """
        )


def _make_venv(
    factory: pytest.TempPathFactory, built: Built, name: str, dists: list[str], apps: list[str]
) -> Venv:
    uv = _uv()
    where = factory.mktemp(name)
    venv = where / "venv"
    _run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], cwd=where)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    # Wheel files by path, so the chanx-* pins resolve to this build and never to an index.
    # chanx-testing's pytest plugin needs its `pytest` extra (pytest, pytest-asyncio).
    wheels = [
        f"{built.wheel(dist)}[pytest]" if dist == "chanx-testing" else str(built.wheel(dist))
        for dist in dists
    ]
    _run(
        [
            uv,
            "pip",
            "install",
            "--quiet",
            "--python",
            str(python),
            "--find-links",
            str(built.wheels),
            *wheels,
        ],
        cwd=where,
    )
    return Venv(python=python, workdir=where, installed_apps=apps)


@pytest.fixture(scope="session")
def core_only(tmp_path_factory: pytest.TempPathFactory, built: Built) -> Iterator[Venv]:
    yield _make_venv(tmp_path_factory, built, "core-only", ["chanx-core"], [])


@pytest.fixture(scope="session")
def with_channels(tmp_path_factory: pytest.TempPathFactory, built: Built) -> Iterator[Venv]:
    yield _make_venv(
        tmp_path_factory,
        built,
        "with-channels",
        ["chanx-core", "chanx-channels"],
        [*_BASE_APPS, "chanx.channels"],
    )


@pytest.fixture(scope="session")
def with_drf(tmp_path_factory: pytest.TempPathFactory, built: Built) -> Iterator[Venv]:
    yield _make_venv(
        tmp_path_factory,
        built,
        "with-drf",
        ["chanx-core", "chanx-channels", "chanx-drf"],
        [*_BASE_APPS, "rest_framework"],
    )


@pytest.fixture(scope="session")
def with_everything(tmp_path_factory: pytest.TempPathFactory, built: Built) -> Iterator[Venv]:
    yield _make_venv(
        tmp_path_factory,
        built,
        "with-everything",
        list(MODULES),
        [*_BASE_APPS, "rest_framework", "chanx.channels"],
    )


@pytest.fixture(scope="session")
def with_testing(tmp_path_factory: pytest.TempPathFactory, built: Built) -> Iterator[Venv]:
    yield _make_venv(
        tmp_path_factory,
        built,
        "with-testing",
        ["chanx-core", "chanx-channels", "chanx-testing"],
        [*_BASE_APPS, "chanx.channels"],
    )


def test_testing_needs_no_server_to_test_a_consumer(with_testing: Venv) -> None:
    with_testing.probe(
        """
        import asyncio
        import importlib.util
        import sys
        from typing import Literal

        for heavy in ("daphne", "twisted", "cryptography"):
            assert importlib.util.find_spec(heavy) is None, f"{heavy} got installed"

        from chanx.channels.websocket import AsyncJsonWebsocketConsumer
        from chanx.core.decorators import ws_handler
        from chanx.messages.base import BaseMessage
        from chanx.testing import WebsocketCommunicator

        class Ping(BaseMessage):
            action: Literal["ping"] = "ping"
            payload: None = None

        class Pong(BaseMessage):
            action: Literal["pong"] = "pong"
            payload: None = None

        class PingConsumer(AsyncJsonWebsocketConsumer):
            @ws_handler
            async def handle_ping(self, message: Ping) -> Pong:
                return Pong()

        async def main():
            ws = WebsocketCommunicator(PingConsumer.as_asgi(), "/ws/", consumer=PingConsumer)
            assert (await ws.connect())[0]
            await ws.send_message(Ping())
            assert await ws.receive_all_messages() == [Pong()]
            await ws.disconnect()

        asyncio.run(main())
        assert not {"daphne", "channels.testing"} & set(sys.modules), "a server was imported"
        """
    )


@pytest.fixture(scope="session")
def client_only(tmp_path_factory: pytest.TempPathFactory, built: Built) -> Iterator[Venv]:
    yield _make_venv(tmp_path_factory, built, "client-only", ["chanx-client"], [])


def test_client_installs_and_generates_alone(client_only: Venv) -> None:
    document = ROOT / "tests" / "client" / "fixtures"
    source = next(iter(sorted(document.glob("*.json"))), None)
    assert source is not None, "tests/client/fixtures holds no AsyncAPI document"
    client_only.probe(
        f"""
        import importlib.util
        import subprocess
        import sys
        import tempfile
        from pathlib import Path

        import chanx.client
        from chanx.client import ChanxClient, ReconnectPolicy  # noqa: F401

        for name in ("django", "channels", "rest_framework", "yaml", "chanx.core"):
            assert importlib.util.find_spec(name) is None, f"chanx-client pulled in {{name}}"

        with tempfile.TemporaryDirectory() as out:
            for language in ("python", "typescript"):
                target = Path(out) / language
                done = subprocess.run(
                    [sys.executable, "-m", "chanx.client", "generate",
                     "--schema", {str(source)!r}, "--output", str(target),
                     "--language", language],
                    capture_output=True, text=True,
                )
                assert done.returncode == 0, done.stderr
                assert any(target.iterdir()), f"nothing generated for {{language}}"
        """,
        django=False,
    )


def test_core_alone_imports_without_django(core_only: Venv) -> None:
    core_only.probe(
        """
        import importlib.util

        import chanx.constants
        import chanx.core
        import chanx.core.testing
        import chanx.messages

        assert importlib.util.find_spec("django") is None, "chanx-core pulled in Django"
        try:
            import django  # noqa: F401
        except ImportError:
            pass
        else:
            raise SystemExit("django is importable next to chanx-core alone")
        """,
        django=False,
    )


def test_channels_imports_without_drf_or_yaml(with_channels: Venv) -> None:
    with_channels.probe(
        """
        import importlib.util

        import chanx.channels
        import chanx.channels.settings
        import chanx.channels.utils.asgi
        import chanx.channels.websocket

        for absent in ("rest_framework", "yaml"):
            assert importlib.util.find_spec(absent) is None, f"{absent} came with chanx-channels"
        """
    )


@pytest.mark.parametrize(
    ("module", "hint"),
    [
        ("chanx.channels.authenticator", "pip install chanx-drf"),
        ("chanx.channels.views", "pip install chanx-asyncapi"),
        ("chanx.channels.urls", "pip install chanx-asyncapi"),
        ("chanx.channels.testing", "pip install chanx-testing"),
    ],
)
def test_channels_optional_modules_name_the_distribution_to_install(
    with_channels: Venv, module: str, hint: str
) -> None:
    with_channels.import_error_names(module, hint)


def test_schema_command_exists_and_names_the_missing_distribution(with_channels: Venv) -> None:
    with_channels.probe(
        """
        from django.core.management import call_command, get_commands
        from django.core.management.base import CommandError

        assert get_commands()["generate_asyncapi_schema"] == "chanx.channels"
        call_command("check")
        try:
            call_command("generate_asyncapi_schema")
        except CommandError as exc:
            assert "pip install chanx-asyncapi" in str(exc), exc
        else:
            raise SystemExit("generate_asyncapi_schema ran without chanx-asyncapi")
        """
    )


def test_drf_provides_the_authenticator(with_drf: Venv) -> None:
    with_drf.probe(
        """
        from chanx.channels.authenticator import DjangoAuthenticator as FromChannels
        from chanx.drf import DjangoAuthenticator
        """
    )


def test_asyncapi_and_testing_complete_the_channels_api(with_everything: Venv) -> None:
    with_everything.probe(
        """
        from chanx.channels.testing import (
            DjangoWebsocketCommunicator,
            WebsocketCommunicator,
            WebsocketTestCase,
        )
        from chanx.channels.views import (
            AsyncAPIDocsView,
            AsyncAPISchemaView,
            generate_asyncapi_schema,
        )
        from io import StringIO
        from django.core.management import call_command
        from django.urls import include, path

        path("asyncapi/", include("chanx.channels.urls"))

        out = StringIO()
        call_command("generate_asyncapi_schema", "--format", "json", stdout=out)
        assert '"asyncapi": "3.0.0"' in out.getvalue(), out.getvalue()[:500]
        """
    )


def test_testing_plugin_is_opt_in_and_importable(with_everything: Venv) -> None:
    out = with_everything.probe(
        """
        from importlib.metadata import entry_points

        import chanx.testing.pytest_plugin as plugin

        assert hasattr(plugin, "ws_connect"), "the plugin lost its ws_connect fixture"
        for ep in entry_points(group="pytest11"):
            print(ep.name, ep.value)
        """,
        django=False,
    )
    assert "chanx.testing.pytest_plugin" not in out


def test_every_member_carries_the_same_pinning_hook() -> None:
    # Each member needs its own copy (an sdist cannot reach ../), so copies must not drift.
    hooks = {dist: (ROOT / "packages" / dist / "hatch_build.py").read_text() for dist in MODULES}
    assert len(set(hooks.values())) == 1, "packages/*/hatch_build.py differ: keep them identical"
