"""The Django app ``chanx.asyncapi``: ships the docs page template, the UI files and the
``generate_asyncapi_schema`` command.

Add ``"chanx.asyncapi"`` to ``INSTALLED_APPS`` to serve
:class:`~chanx.asyncapi.views.AsyncAPIDocsView` (its template and static files are found
through the app) and to run the command.
"""

from __future__ import annotations

from django.apps import AppConfig


class ChanxAsyncAPIConfig(AppConfig):
    """App config of ``chanx.asyncapi``."""

    name = "chanx.asyncapi"
    label = "chanx_asyncapi"
    verbose_name = "chanx (AsyncAPI)"
