"""Django views serving the project's AsyncAPI document and its interactive docs page.

Both are plain class-based views over :func:`generate_asyncapi_schema`; mount them in the
URLconf like any view::

    from chanx.channels.views import AsyncAPIDocsView, AsyncAPISchemaView

    urlpatterns = [
        path("asyncapi/schema/", AsyncAPISchemaView.as_view(), name="asyncapi-schema"),
        path("asyncapi/docs/", AsyncAPIDocsView.as_view(), name="asyncapi-docs"),
    ]

The docs page loads ``@asyncapi/react-component`` from the static files of this app
(add ``"chanx.asyncapi"`` to ``INSTALLED_APPS``), so it works offline and under a strict
Content-Security-Policy. Set the Django setting ``CHANX_ASYNCAPI_UI_URL`` (or the view's
``ui_url``) to the base URL of the package on a CDN to load it from there instead, e.g.
``"https://unpkg.com/@asyncapi/react-component@3.2.1/"``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template import TemplateDoesNotExist
from django.templatetags.static import static
from django.views import View
from django.views.generic import TemplateView

from chanx.asyncapi.rendering import CONTENT_TYPES, FORMATS, render_document
from chanx.asyncapi.schema import DocumentOptions, build_document, request_base_url

UI_VERSION = "3.2.1"
"""The vendored ``@asyncapi/react-component`` release (see ``scripts/vendor_ui.sh``)."""

UI_SCRIPT = "browser/standalone/index.js"
UI_STYLESHEET = "styles/default.min.css"
_STATIC_UI_ROOT = "chanx_asyncapi/react-component/"
DEFAULT_DOCS_TEMPLATE = "chanx_asyncapi/docs.html"


def generate_asyncapi_schema(request: HttpRequest) -> dict[str, Any]:
    """The project's AsyncAPI 3.0 document, as data, for clients reached through ``request``.

    Routes come from ``ASGI_APPLICATION``; ``info`` from ``ASYNCAPI_TITLE``,
    ``ASYNCAPI_VERSION`` and ``ASYNCAPI_DESCRIPTION``; the server from the request's host
    and scheme (``ws``/``wss``), overridden by ``WEBSOCKET_BASE_URL``, itself overridden
    by ``ASYNCAPI_SERVER_URL``; ``ASYNCAPI_SERVER_PROTOCOL`` overrides the protocol.
    Generated once per distinct input and cached; each call returns its own copy.
    """
    return build_document(DocumentOptions(detected_url=request_base_url(request)))


class _DocumentMixin:
    """Shared by both views: where the document comes from."""

    discovery_class: str | None = None
    """Dotted path of a custom route discovery class; None walks ``ASGI_APPLICATION``."""

    def get_document(self, request: HttpRequest) -> dict[str, Any]:
        """The document this view serves."""
        if self.discovery_class is None:
            return generate_asyncapi_schema(request)
        return build_document(
            DocumentOptions(
                detected_url=request_base_url(request), discovery_class=self.discovery_class
            )
        )


class AsyncAPISchemaView(_DocumentMixin, View):
    """The AsyncAPI 3.0 document of the project's WebSocket routes, as JSON or YAML.

    ``?format=json`` (the default) answers ``application/json``, ``?format=yaml``
    answers ``application/yaml``; any other format is a 400 naming the valid ones.
    """

    # Django's own per-instance attribute, overridden the way Django documents it.
    http_method_names = ["get", "head", "options"]  # noqa: RUF012

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Generate (or reuse) the document and render it in the requested format."""
        requested = request.GET.get("format", "json")
        for document_format in FORMATS:
            if requested == document_format:
                text = render_document(self.get_document(request), document_format)
                content_type = CONTENT_TYPES[document_format]
                return HttpResponse(text, content_type=f"{content_type}; charset=utf-8")
        return HttpResponseBadRequest(
            f"Unknown format {requested!r}: use ?format=json or ?format=yaml.\n",
            content_type="text/plain; charset=utf-8",
        )


class AsyncAPIDocsView(_DocumentMixin, TemplateView):
    """An HTML page rendering the document with the AsyncAPI React component.

    The document is embedded as a JSON data block and rendered by a static script, so
    the page needs no inline script. Override ``template_name`` for a custom page (keep
    the ``asyncapi`` and ``asyncapi-schema`` element ids, or load your own script), and
    ``ui_url`` (or the ``CHANX_ASYNCAPI_UI_URL`` setting) to load the UI from a CDN.
    """

    template_name = DEFAULT_DOCS_TEMPLATE
    ui_url: str | None = None
    """Base URL of the ``@asyncapi/react-component`` files; None uses the bundled copy."""

    def get_ui_urls(self) -> tuple[str, str]:
        """URLs of the UI script and stylesheet: CDN base if configured, else static files."""
        base = self.ui_url or getattr(settings, "CHANX_ASYNCAPI_UI_URL", None)
        if base:
            base = base if base.endswith("/") else base + "/"
            return base + UI_SCRIPT, base + UI_STYLESHEET
        return static(_STATIC_UI_ROOT + UI_SCRIPT), static(_STATIC_UI_ROOT + UI_STYLESHEET)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        """``schema``, ``title``, ``ui_script_url`` and ``ui_stylesheet_url`` for the page."""
        context = super().get_context_data(**kwargs)
        document = self.get_document(self.request)
        script, stylesheet = self.get_ui_urls()
        context.update(
            schema=document,
            title=document["info"]["title"],
            ui_script_url=script,
            ui_stylesheet_url=stylesheet,
        )
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Render the page now, so a missing app is reported with its fix."""
        response = super().get(request, *args, **kwargs)
        try:
            response.render()  # type: ignore[attr-defined]
        except TemplateDoesNotExist as exc:
            if self.template_name != DEFAULT_DOCS_TEMPLATE:
                raise
            raise ImproperlyConfigured(
                "AsyncAPIDocsView needs 'chanx.asyncapi' in INSTALLED_APPS: its template and "
                "UI files ship in that app."
            ) from exc
        return response


__all__ = [
    "UI_VERSION",
    "AsyncAPIDocsView",
    "AsyncAPISchemaView",
    "generate_asyncapi_schema",
]
