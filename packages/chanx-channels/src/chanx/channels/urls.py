"""``chanx.channels.urls``: the AsyncAPI schema and docs pages, ready to ``include()``.

::

    urlpatterns = [path("asyncapi/", include("chanx.channels.urls"))]

serves ``asyncapi/schema/`` (named ``asyncapi_schema``) and ``asyncapi/docs/`` (named
``asyncapi_docs``), the names upstream chanx gives them. The views come from the
chanx-asyncapi distribution; without it, the ``include()`` raises an ``ImportError``
that says to install it.
"""

from __future__ import annotations

from django.urls import URLPattern, path

from chanx.channels._optional import import_from_distribution

_views = import_from_distribution("chanx.asyncapi.views", "chanx-asyncapi", __name__)

urlpatterns: list[URLPattern] = [
    path("schema/", _views.AsyncAPISchemaView.as_view(), name="asyncapi_schema"),
    path("docs/", _views.AsyncAPIDocsView.as_view(), name="asyncapi_docs"),
]
