"""System checks run by ``manage.py check`` (and before ``runserver``/``migrate``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error
from django.utils.module_loading import import_string

from chanx.channels.settings import DEFAULTS, TYPES


def _pyhumps_installed() -> bool:
    try:
        import humps  # noqa: F401
    except ImportError:
        return False
    return True


def _serve_permission_errors(checks: list[Any] | tuple[Any, ...]) -> list[CheckMessage]:
    """An error for each ``ASYNCAPI_SERVE_PERMISSIONS`` entry that is not a usable check."""
    errors: list[CheckMessage] = []
    for check in checks:
        if isinstance(check, str):
            try:
                import_string(check)
            except ImportError as exc:
                errors.append(
                    Error(
                        f"CHANX['ASYNCAPI_SERVE_PERMISSIONS'] names {check!r}, which does not "
                        f"import: {exc}",
                        hint="Give the dotted path of a function (request) -> bool or of a "
                        "class with has_permission(request, view), e.g. "
                        "'rest_framework.permissions.IsAdminUser'.",
                        id="chanx.E005",
                    )
                )
        elif not callable(check):
            errors.append(
                Error(
                    f"CHANX['ASYNCAPI_SERVE_PERMISSIONS'] holds {check!r}, which is neither a "
                    "dotted path nor callable.",
                    hint="List dotted paths (or functions) of permission checks; [] is public.",
                    id="chanx.E005",
                )
            )
    return errors


# The fields of AsyncAPI 3.0's Contact, License and Tag objects that chanx documents,
# each a string; the ones a setting must give, and an example for the hint.
_INFO_OBJECTS: dict[str, tuple[frozenset[str], frozenset[str], str]] = {
    "ASYNCAPI_CONTACT": (
        frozenset({"name", "url", "email"}),
        frozenset(),
        '{"name": "API team", "url": "https://example.com", "email": "api@example.com"}',
    ),
    "ASYNCAPI_LICENSE": (
        frozenset({"name", "url"}),
        frozenset({"name"}),
        '{"name": "Apache 2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0"}',
    ),
    "ASYNCAPI_TAGS": (
        frozenset({"name", "description"}),
        frozenset({"name"}),
        '["chat", {"name": "admin", "description": "Staff only"}]',
    ),
}


def _info_object_problem(key: str, value: dict[Any, Any]) -> str | None:
    """What is wrong with one Contact, License or Tag dict, or None."""
    allowed, required, _ = _INFO_OBJECTS[key]
    unknown = sorted(str(name) for name in value if name not in allowed)
    if unknown:
        return f"unknown keys {unknown} (allowed: {', '.join(sorted(allowed))})"
    missing = sorted(required - set(value))
    if missing:
        return f"missing {', '.join(missing)}"
    if not all(isinstance(item, str) for item in value.values()):
        return "values must be strings"
    return None


def _info_errors(user: dict[str, Any]) -> list[CheckMessage]:
    """An error for each ``ASYNCAPI_CONTACT``/``LICENSE``/``TAGS`` value the document
    cannot hold (their Python types are checked with the other settings)."""
    problems: list[tuple[str, str]] = []
    for key in ("ASYNCAPI_CONTACT", "ASYNCAPI_LICENSE"):
        value = user.get(key)
        if isinstance(value, dict):
            problem = _info_object_problem(key, value)
            if problem:
                problems.append((key, problem))
    tags = user.get("ASYNCAPI_TAGS")
    if isinstance(tags, (list, tuple)):
        for position, tag in enumerate(tags):
            if isinstance(tag, str):
                continue
            problem = (
                _info_object_problem("ASYNCAPI_TAGS", tag)
                if isinstance(tag, dict)
                else f"is {tag!r}, neither a name nor a dict"
            )
            if problem:
                problems.append(("ASYNCAPI_TAGS", f"entry {position}: {problem}"))
    return [
        Error(
            f"CHANX[{key!r}]: {problem}.",
            hint=f"For example {_INFO_OBJECTS[key][2]}.",
            id="chanx.E006",
        )
        for key, problem in problems
    ]


def check_chanx_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Report unknown ``CHANX`` keys, values of the wrong type, serve permissions that do
    not import, contact, license or tags the AsyncAPI document cannot hold, and CAMELIZE
    without pyhumps."""
    user = getattr(settings, "CHANX", None)
    if user is None:
        return []
    if not isinstance(user, dict):
        return [
            Error(
                f"CHANX must be a dict, not {type(user).__name__}.",
                hint="Set CHANX = {...} with keys among: " + ", ".join(DEFAULTS),
                id="chanx.E001",
            )
        ]
    errors: list[CheckMessage] = []
    for key, value in user.items():
        if key not in DEFAULTS:
            errors.append(
                Error(
                    f"CHANX has an unknown key {key!r}.",
                    hint="Valid keys: " + ", ".join(DEFAULTS),
                    id="chanx.E002",
                )
            )
            continue
        allowed = TYPES[key]
        # bool is an int subclass and str is a sequence: compare exact types where it matters.
        wrong = not isinstance(value, allowed) or (bool not in allowed and isinstance(value, bool))
        if key == "LOG_IGNORED_ACTIONS" and not wrong:
            wrong = not all(isinstance(item, str) for item in value)
        if wrong:
            names = " or ".join("None" if t is type(None) else t.__name__ for t in allowed)
            errors.append(
                Error(
                    f"CHANX[{key!r}] must be {names}"
                    + (" of strings" if key == "LOG_IGNORED_ACTIONS" else "")
                    + f", got {value!r}.",
                    hint=f"Default: {DEFAULTS[key]!r}.",
                    id="chanx.E003",
                )
            )
    permissions = user.get("ASYNCAPI_SERVE_PERMISSIONS")
    if isinstance(permissions, (list, tuple)):
        errors.extend(_serve_permission_errors(permissions))
    errors.extend(_info_errors(user))
    if user.get("CAMELIZE") is True and not _pyhumps_installed():
        errors.append(
            Error(
                "CHANX['CAMELIZE'] is on but the pyhumps package is not installed.",
                hint="pip install 'chanx-core[camel-case]'",
                id="chanx.E004",
            )
        )
    return errors


__all__ = ["check_chanx_settings"]
