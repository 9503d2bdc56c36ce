"""The ``CHANX`` settings: one table of defaults, read through one object.

``chanx_settings.SEND_COMPLETION`` returns the project's value or the default. Values
are cached after the first read and dropped whenever Django reports that ``CHANX``
changed (``override_settings``), so every module holding ``chanx_settings`` sees a change
at once without paying a lookup in ``django.conf.settings`` per access.
"""

from __future__ import annotations

from typing import Any, Final

from django.conf import settings
from django.core.signals import setting_changed

DEFAULTS: Final[dict[str, Any]] = {
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
"""Every ``CHANX`` key with its default; ``manage.py check`` refuses any other key."""

TYPES: Final[dict[str, tuple[type, ...]]] = {
    "MESSAGE_ACTION_KEY": (str,),
    "SEND_COMPLETION": (bool,),
    "SEND_MESSAGE_IMMEDIATELY": (bool,),
    "SEND_AUTHENTICATION_MESSAGE": (bool,),
    "CAMELIZE": (bool,),
    "LOG_WEBSOCKET_MESSAGE": (bool,),
    "LOG_IGNORED_ACTIONS": (list, tuple, set, frozenset),
    "WEBSOCKET_BASE_URL": (str, type(None)),
    "ASYNCAPI_TITLE": (str,),
    "ASYNCAPI_DESCRIPTION": (str,),
    "ASYNCAPI_VERSION": (str,),
    "ASYNCAPI_SERVER_URL": (str, type(None)),
    "ASYNCAPI_SERVER_PROTOCOL": (str, type(None)),
    "ASYNCAPI_SERVE_PERMISSIONS": (list, tuple),
    "ASYNCAPI_CONTACT": (dict, type(None)),
    "ASYNCAPI_LICENSE": (dict, type(None)),
    "ASYNCAPI_TAGS": (list, tuple),
}
"""The accepted Python types of each setting, checked by ``manage.py check``."""


class ChanxSettings:
    """Attribute access to the ``CHANX`` dict of the Django settings, with defaults.

    Unknown keys in ``CHANX`` are ignored here and reported by ``manage.py check``.
    """

    MESSAGE_ACTION_KEY: str
    SEND_COMPLETION: bool
    SEND_MESSAGE_IMMEDIATELY: bool
    SEND_AUTHENTICATION_MESSAGE: bool
    CAMELIZE: bool
    LOG_WEBSOCKET_MESSAGE: bool
    LOG_IGNORED_ACTIONS: list[str]
    WEBSOCKET_BASE_URL: str | None
    ASYNCAPI_TITLE: str
    ASYNCAPI_DESCRIPTION: str
    ASYNCAPI_VERSION: str
    ASYNCAPI_SERVER_URL: str | None
    ASYNCAPI_SERVER_PROTOCOL: str | None
    ASYNCAPI_SERVE_PERMISSIONS: list[Any]
    ASYNCAPI_CONTACT: dict[str, str] | None
    ASYNCAPI_LICENSE: dict[str, str] | None
    ASYNCAPI_TAGS: list[str | dict[str, str]]

    def __getattr__(self, name: str) -> Any:
        # Only called when the value is not cached in the instance yet.
        if name not in DEFAULTS:
            raise AttributeError(
                f"{name!r} is not a chanx setting; valid keys: {', '.join(DEFAULTS)}"
            )
        user = getattr(settings, "CHANX", None) or {}
        value = user.get(name, DEFAULTS[name]) if isinstance(user, dict) else DEFAULTS[name]
        self.__dict__[name] = value
        return value

    def reload(self) -> None:
        """Forget cached values so the next access reads the Django settings again."""
        self.__dict__.clear()


chanx_settings = ChanxSettings()
"""The one settings object; import it, read attributes from it."""


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "CHANX":
        chanx_settings.reload()


setting_changed.connect(_on_setting_changed)

__all__ = ["DEFAULTS", "TYPES", "ChanxSettings", "chanx_settings"]
