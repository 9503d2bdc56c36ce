"""``manage.py generate_asyncapi_schema``: output, options, --validate and --check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError
from django.test import modify_settings, override_settings

from chanx.asyncapi.management.commands import generate_asyncapi_schema as asyncapi_command
from chanx.channels.management.commands import generate_asyncapi_schema as channels_command

Validate = Callable[[dict[str, Any]], None]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _project() -> Iterator[None]:
    with override_settings(ASGI_APPLICATION="tests.asyncapi.asgi.application"):
        yield


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("generate_asyncapi_schema", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_is_found_through_chanx_channels_and_delegates() -> None:
    assert get_commands()["generate_asyncapi_schema"] == "chanx.channels"
    assert channels_command.Command is asyncapi_command.Command


@modify_settings(INSTALLED_APPS={"remove": "chanx.channels", "append": "chanx.asyncapi"})
def test_command_is_found_through_chanx_asyncapi_alone() -> None:
    assert get_commands()["generate_asyncapi_schema"] == "chanx.asyncapi"
    out, _ = run("--format", "json")
    assert json.loads(out)["asyncapi"] == "3.0.0"


def test_default_output_is_yaml_on_stdout(assert_valid: Validate) -> None:
    out, _ = run()
    document = yaml.safe_load(out)
    assert_valid(document)
    assert out.startswith("asyncapi: 3.0.0\n")
    assert document["servers"] == {"default": {"host": "localhost:8000", "protocol": "ws"}}


def test_json_format(assert_valid: Validate) -> None:
    out, _ = run("--format", "json")
    document = json.loads(out)
    assert_valid(document)
    assert "chatRoomHandleChat" in document["operations"]


def test_metadata_options_override_the_settings(assert_valid: Validate) -> None:
    with override_settings(CHANX={"ASYNCAPI_SERVER_URL": "ignored.example.com"}):
        out, _ = run(
            "--format=json",
            "--title=Production API",
            "--api-version=2.0.0",
            "--description=The real thing.",
            "--base-url=wss://api.example.com",
        )
    document = json.loads(out)
    assert_valid(document)
    assert document["info"] == {
        "title": "Production API",
        "version": "2.0.0",
        "description": "The real thing.",
    }
    assert document["servers"]["default"] == {"host": "api.example.com", "protocol": "wss"}


def test_settings_give_the_server_without_base_url() -> None:
    with override_settings(CHANX={"WEBSOCKET_BASE_URL": "wss://ws.example.com"}):
        document = yaml.safe_load(run()[0])
    assert document["servers"]["default"] == {"host": "ws.example.com", "protocol": "wss"}


def test_file_option_writes_the_file(tmp_path: Path) -> None:
    target = tmp_path / "schema.yaml"
    out, err = run("--file", str(target))
    assert out == ""
    assert f"written to {target}" in err
    assert yaml.safe_load(target.read_text())["asyncapi"] == "3.0.0"


def test_json_file_extension_picks_json(tmp_path: Path) -> None:
    target = tmp_path / "schema.json"
    run("--file", str(target))
    assert json.loads(target.read_text())["asyncapi"] == "3.0.0"


def test_custom_discovery_class() -> None:
    out, _ = run(
        "--format=json", "--discovery-class=tests.asyncapi.discovery_classes.QuietOnlyDiscovery"
    )
    document = json.loads(out)
    assert list(document["channels"]) == ["quiet"]
    assert document["channels"]["quiet"]["parameters"] == {
        "slot": {"description": "Which slot to join."}
    }


def test_bad_discovery_class_is_a_command_error() -> None:
    with pytest.raises(CommandError, match="Cannot import the route discovery class"):
        run("--discovery-class=tests.asyncapi.nowhere.Discovery")


def test_validate_passes_for_the_project_document() -> None:
    out, err = run("--validate", "--format=json")
    assert "valid AsyncAPI 3.0.0" in err
    assert json.loads(out)["asyncapi"] == "3.0.0"


def test_validate_reports_every_violation(monkeypatch: pytest.MonkeyPatch) -> None:
    import chanx.asyncapi.schema as schema_module

    real = schema_module.build_document

    def broken(options: Any) -> dict[str, Any]:
        document = real(options)
        document["channels"]["QuietConsumer_ws_quiet"] = {"address": 42}
        document["info"]["version"] = 1
        return document

    monkeypatch.setattr(asyncapi_command, "build_document", broken)
    with pytest.raises(CommandError) as caught:
        run("--validate")
    message = str(caught.value)
    assert "breaks the AsyncAPI 3.0.0 specification" in message
    assert "$.info.version" in message


def test_check_passes_when_the_file_is_current(tmp_path: Path) -> None:
    target = tmp_path / "schema.yaml"
    run("--file", str(target), "--title=Pinned")
    _, err = run("--check", str(target), "--title=Pinned")
    assert "is up to date" in err


def test_check_fails_with_a_diff_when_the_file_drifted(tmp_path: Path) -> None:
    target = tmp_path / "schema.json"
    run("--file", str(target))
    with pytest.raises(CommandError) as caught:
        run("--check", str(target), "--title=Renamed")
    message = str(caught.value)
    assert "is out of date" in message
    assert '+    "title": "Renamed",' in message


def test_check_of_a_missing_file_says_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="does not exist; generate it with --file"):
        run("--check", str(tmp_path / "nope.yaml"))
    with pytest.raises(CommandError, match="does not exist; generate it with --file"):
        run("--check", "--file", str(tmp_path / "nope.yaml"))


def test_check_flag_compares_the_file_option_and_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "schema.json"
    run("--file", str(target), "--title=Pinned")
    _, err = run("--check", "--file", str(target), "--title=Pinned")
    assert "is up to date" in err
    # The flag may come after --file too, as with makemigrations.
    _, err = run("--file", str(target), "--check", "--title=Pinned")
    assert "is up to date" in err
    committed = target.read_text()
    with pytest.raises(CommandError) as caught:
        run("--check", "--file", str(target), "--title=Renamed")
    assert "is out of date" in str(caught.value)
    assert '+    "title": "Renamed",' in str(caught.value)
    assert target.read_text() == committed


def test_check_flag_as_call_command_keyword(tmp_path: Path) -> None:
    target = tmp_path / "schema.yaml"
    run("--file", str(target))
    err = StringIO()
    call_command("generate_asyncapi_schema", check=True, file=str(target), stderr=err)
    assert "is up to date" in err.getvalue()


def test_check_flag_without_a_file_says_how_to_name_it() -> None:
    with pytest.raises(CommandError, match=r"--check needs the file to compare: --check --file"):
        run("--check")


def test_check_and_file_naming_different_files_is_refused(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    run("--file", str(first))
    with pytest.raises(CommandError, match="name different files"):
        run("--check", str(first), "--file", str(second))
    assert not second.exists()
    _, err = run("--check", str(first), "--file", str(first))
    assert "is up to date" in err


def test_check_drift_exits_non_zero_from_manage_py(tmp_path: Path) -> None:
    target = tmp_path / "schema.yaml"
    manage = [
        sys.executable,
        "-c",
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', *sys.argv[1:]])",
        "generate_asyncapi_schema",
    ]
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "tests.project.settings"
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *sys.path])

    def manage_py(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*manage, *args], capture_output=True, text=True, cwd=ROOT, env=env, check=False
        )

    assert manage_py("--file", str(target)).returncode == 0
    assert manage_py("--check", str(target)).returncode == 0
    assert manage_py("--check", "--file", str(target)).returncode == 0
    target.write_text(target.read_text().replace("3.0.0", "2.6.0", 1))
    for args in (["--check", str(target)], ["--check", "--file", str(target)]):
        drift = manage_py(*args)
        assert drift.returncode == 1, args
        assert "is out of date" in drift.stderr


def test_output_is_byte_identical_across_runs(tmp_path: Path) -> None:
    for fmt in ("json", "yaml"):
        first, _ = run(f"--format={fmt}")
        from chanx.asyncapi.schema import clear_cache

        clear_cache()
        second, _ = run(f"--format={fmt}")
        assert first == second


@override_settings(ASGI_APPLICATION="tests.asyncapi.asgi.http_only_application")
def test_no_websocket_routes_warns_naming_asgi_application_and_exits_zero() -> None:
    out, err = run("--format=json")
    assert json.loads(out)["channels"] == {}
    assert "No WebSocket routes to chanx consumers" in err
    assert "ASGI_APPLICATION (tests.asyncapi.asgi.http_only_application)" in err


@override_settings(ASGI_APPLICATION="tests.asyncapi.asgi.http_only_application")
def test_no_websocket_routes_fails_validate() -> None:
    with pytest.raises(CommandError, match=r"none found in ASGI_APPLICATION \(tests\.asyncapi"):
        run("--validate")


@override_settings(ASGI_APPLICATION="tests.asyncapi.asgi.http_only_application")
def test_no_websocket_routes_fails_check_even_when_the_file_matches(tmp_path: Path) -> None:
    target = tmp_path / "asyncapi.yaml"
    out, _ = run()
    target.write_text(out, encoding="utf-8")
    with pytest.raises(CommandError, match="No WebSocket routes"):
        run("--check", str(target))


def test_no_routes_from_a_discovery_class_names_the_class() -> None:
    with pytest.raises(CommandError, match=r"discovery class .*NothingDiscovery returned none"):
        run("--validate", "--discovery-class=tests.asyncapi.discovery_classes.NothingDiscovery")


def test_completion_messages_follow_send_completion_through_the_cache() -> None:
    with_completion, _ = run("--format=json")
    assert "CompleteMessage" in json.loads(with_completion)["components"]["messages"]
    with override_settings(CHANX={"SEND_COMPLETION": False}):
        without, _ = run("--format=json")
    messages = json.loads(without)["components"]["messages"]
    assert not {"CompleteMessage", "GroupCompleteMessage", "EventCompleteMessage"} & set(messages)
    again, _ = run("--format=json")
    assert again == with_completion


@override_settings(
    CHANX={
        "ASYNCAPI_CONTACT": {"name": "API team", "email": "api@example.com"},
        "ASYNCAPI_LICENSE": {"name": "MIT"},
        "ASYNCAPI_TAGS": ["chat", {"name": "admin", "description": "Staff only"}],
    }
)
def test_contact_license_and_tags_settings_fill_info(assert_valid: Validate) -> None:
    out, _ = run("--format=json", "--validate")
    info = json.loads(out)["info"]
    assert_valid(json.loads(out))
    assert info["contact"] == {"name": "API team", "email": "api@example.com"}
    assert info["license"] == {"name": "MIT"}
    assert info["tags"] == [{"name": "chat"}, {"name": "admin", "description": "Staff only"}]
