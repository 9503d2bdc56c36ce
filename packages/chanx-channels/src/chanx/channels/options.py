"""The per-connection options that the ``CHANX`` settings ask for, cached between changes."""

from __future__ import annotations

from typing import Any

from django.core.signals import setting_changed

from chanx.channels.settings import chanx_settings
from chanx.core.consumer import ConsumerOptions

_cached: list[ConsumerOptions] = []


def current_options() -> ConsumerOptions:
    """The consumer options the ``CHANX`` settings ask for right now.

    Built once and reused by every connection until ``CHANX`` changes
    (``override_settings``), so opening a connection reads no settings.
    """
    if _cached:
        return _cached[0]
    s = chanx_settings
    options = ConsumerOptions(
        action_key=s.MESSAGE_ACTION_KEY,
        camelize=s.CAMELIZE,
        send_completion=s.SEND_COMPLETION,
        send_immediately=s.SEND_MESSAGE_IMMEDIATELY,
        log_messages=s.LOG_WEBSOCKET_MESSAGE,
        log_ignored_actions=frozenset(s.LOG_IGNORED_ACTIONS),
    )
    _cached[:] = [options]
    return options


def _forget(*, setting: str, **kwargs: Any) -> None:
    if setting == "CHANX":
        _cached.clear()


setting_changed.connect(_forget)

__all__ = ["current_options"]
