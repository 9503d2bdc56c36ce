"""CHANX settings: documented defaults, live under override_settings, checked at startup."""

from __future__ import annotations

import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from chanx.channels import settings as settings_module
from chanx.channels.checks import check_chanx_settings
from chanx.channels.settings import chanx_settings

DOCUMENTED = {
    "MESSAGE_ACTION_KEY": "action",
    "SEND_COMPLETION": False,
    "SEND_MESSAGE_IMMEDIATELY": True,
    "SEND_AUTHENTICATION_MESSAGE": True,
    "CAMELIZE": False,
    "LOG_WEBSOCKET_MESSAGE": True,
    "LOG_IGNORED_ACTIONS": ["ping", "pong"],
    "WEBSOCKET_BASE_URL": None,
    "ASYNCAPI_TITLE": "AsyncAPI Documentation",
    "ASYNCAPI_DESCRIPTION": "",
    "ASYNCAPI_VERSION": "1.0.0",
    "ASYNCAPI_SERVER_URL": None,
    "ASYNCAPI_SERVER_PROTOCOL": None,
    "ASYNCAPI_SERVE_PERMISSIONS": [],
    "ASYNCAPI_CONTACT": None,
    "ASYNCAPI_LICENSE": None,
    "ASYNCAPI_TAGS": [],
}


def test_defaults_are_exactly_the_documented_ones() -> None:
    assert settings_module.DEFAULTS == DOCUMENTED
    with override_settings(CHANX={}):
        assert {key: getattr(chanx_settings, key) for key in DOCUMENTED} == DOCUMENTED


def test_override_settings_is_seen_at_once_by_every_importer() -> None:
    from chanx.channels.settings import chanx_settings as imported_elsewhere

    assert chanx_settings.SEND_COMPLETION is True  # the test project's value
    with override_settings(CHANX={"SEND_COMPLETION": False, "ASYNCAPI_TITLE": "X"}):
        assert imported_elsewhere.SEND_COMPLETION is False
        assert imported_elsewhere.ASYNCAPI_TITLE == "X"
        assert imported_elsewhere.MESSAGE_ACTION_KEY == "action"
    assert imported_elsewhere.SEND_COMPLETION is True
    assert imported_elsewhere.ASYNCAPI_TITLE == "AsyncAPI Documentation"


def test_unknown_attribute_names_the_valid_keys() -> None:
    with pytest.raises(AttributeError, match="SEND_COMPLETION"):
        _ = chanx_settings.SEND_COMPLETEION


def test_valid_settings_pass_the_check() -> None:
    with override_settings(CHANX=dict(DOCUMENTED, LOG_IGNORED_ACTIONS=("ping",))):
        assert check_chanx_settings() == []


def test_unknown_key_fails_manage_py_check_naming_valid_keys() -> None:
    with override_settings(CHANX={"SEND_COMPLETEION": True}):
        with pytest.raises(SystemCheckError) as info:
            call_command("check", stdout=StringIO(), stderr=StringIO())
    text = str(info.value)
    assert "unknown key 'SEND_COMPLETEION'" in text
    assert "SEND_COMPLETION" in text and "MESSAGE_ACTION_KEY" in text


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("SEND_COMPLETION", "yes", "must be bool"),
        ("MESSAGE_ACTION_KEY", 3, "must be str"),
        ("LOG_IGNORED_ACTIONS", "ping", "must be list or tuple or set or frozenset of strings"),
        ("LOG_IGNORED_ACTIONS", [1], "of strings"),
        ("ASYNCAPI_SERVER_URL", 5, "must be str or None"),
        ("ASYNCAPI_VERSION", True, "must be str"),
        ("ASYNCAPI_SERVE_PERMISSIONS", "app.checks.staff", "must be list or tuple"),
        ("ASYNCAPI_CONTACT", "api@example.com", "must be dict or None"),
        ("ASYNCAPI_LICENSE", "MIT", "must be dict or None"),
        ("ASYNCAPI_TAGS", "chat", "must be list or tuple"),
    ],
)
def test_wrong_type_is_reported(key: str, value: object, expected: str) -> None:
    with override_settings(CHANX={key: value}):
        errors = check_chanx_settings()
    assert len(errors) == 1
    assert expected in errors[0].msg and key in errors[0].msg


def test_chanx_must_be_a_dict() -> None:
    with override_settings(CHANX=["SEND_COMPLETION"]):
        (error,) = check_chanx_settings()
    assert error.id == "chanx.E001"


def test_camelize_without_pyhumps_is_reported_with_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "humps", None)
    with override_settings(CHANX={"CAMELIZE": True}):
        (error,) = check_chanx_settings()
    assert error.hint == "pip install 'chanx-core[camel-case]'"


def test_serve_permissions_that_do_not_import_are_reported() -> None:
    permissions = [
        "rest_framework.permissions.IsAdminUser",
        "tests.asyncapi.permissions.nobody",
        "tests.asyncapi.permissions.nobdy",
        42,
    ]
    with override_settings(CHANX={"ASYNCAPI_SERVE_PERMISSIONS": permissions}):
        errors = check_chanx_settings()
    assert [error.id for error in errors] == ["chanx.E005", "chanx.E005"]
    assert "'tests.asyncapi.permissions.nobdy', which does not import" in errors[0].msg
    assert "has_permission(request, view)" in errors[0].hint
    assert "42, which is neither a dotted path nor callable" in errors[1].msg


def test_asyncapi_contact_license_and_tags_the_document_cannot_hold_are_reported() -> None:
    with override_settings(
        CHANX={
            "ASYNCAPI_CONTACT": {"name": "API team", "phone": "555"},
            "ASYNCAPI_LICENSE": {"url": "https://example.com/license"},
            "ASYNCAPI_TAGS": ["chat", {"name": "admin", "description": 3}, 7],
        }
    ):
        errors = check_chanx_settings()
    assert [error.id for error in errors] == ["chanx.E006"] * 4
    messages = [error.msg for error in errors]
    assert "ASYNCAPI_CONTACT" in messages[0] and "unknown keys ['phone']" in messages[0]
    assert "ASYNCAPI_LICENSE" in messages[1] and "missing name" in messages[1]
    assert "entry 1: values must be strings" in messages[2]
    assert "entry 2: is 7, neither a name nor a dict" in messages[3]
    assert '"name": "Apache 2.0"' in errors[1].hint


def test_well_formed_asyncapi_contact_license_and_tags_pass_the_check() -> None:
    with override_settings(
        CHANX={
            "ASYNCAPI_CONTACT": {"email": "api@example.com"},
            "ASYNCAPI_LICENSE": {"name": "MIT"},
            "ASYNCAPI_TAGS": ("chat", {"name": "admin", "description": "Staff only"}),
        }
    ):
        assert check_chanx_settings() == []
