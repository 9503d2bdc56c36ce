"""The Django app ``chanx.channels``: registers chanx's system checks and its commands."""

from __future__ import annotations

from django.apps import AppConfig
from django.core import checks


class ChanxChannelsConfig(AppConfig):
    """Add ``"chanx.channels"`` to ``INSTALLED_APPS``."""

    name = "chanx.channels"
    label = "chanx_channels"
    verbose_name = "chanx (Django Channels)"

    def ready(self) -> None:
        from chanx.channels.checks import check_chanx_settings

        checks.register(check_chanx_settings)
