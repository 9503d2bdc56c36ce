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


def check_chanx_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Report unknown ``CHANX`` keys, values of the wrong type, serve permissions that do
    not import, and CAMELIZE without pyhumps."""
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
