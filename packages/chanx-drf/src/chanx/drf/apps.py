"""The optional Django app ``chanx.drf``: add it to ``INSTALLED_APPS`` for its system check."""

from __future__ import annotations

from django.apps import AppConfig
from django.core import checks


class ChanxDrfConfig(AppConfig):
    """Registers :func:`chanx.drf.checks.check_route_lookups` with ``manage.py check``."""

    name = "chanx.drf"
    label = "chanx_drf"
    verbose_name = "chanx (Django REST framework)"

    def ready(self) -> None:
        from chanx.drf.checks import check_route_lookups

        checks.register(check_route_lookups)
