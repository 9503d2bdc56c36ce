"""System checks run by ``manage.py check`` (and before ``runserver``/``migrate``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error

from chanx.channels.settings import DEFAULTS, TYPES


def _pyhumps_installed() -> bool:
    try:
        import humps  # noqa: F401
    except ImportError:
        return False
    return True


def check_chanx_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Report unknown ``CHANX`` keys, values of the wrong type, and CAMELIZE without pyhumps."""
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
