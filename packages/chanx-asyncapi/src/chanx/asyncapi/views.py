"""Django views serving the project's AsyncAPI document and its interactive docs page.

Both are plain class-based views over :func:`generate_asyncapi_schema`; mount them in the
URLconf like any view::

    from chanx.channels.views import AsyncAPIDocsView, AsyncAPISchemaView

    urlpatterns = [
        path("asyncapi/schema/", AsyncAPISchemaView.as_view(), name="asyncapi-schema"),
        path("asyncapi/docs/", AsyncAPIDocsView.as_view(), name="asyncapi-docs"),
    ]

The docs page loads ``@asyncapi/react-component`` from its own URL (``?asset=...``,
see :mod:`chanx.asyncapi.assets`), so it renders under any server, with ``DEBUG`` off,
with nothing from another origin. Set the Django setting ``CHANX_ASYNCAPI_UI_URL`` (or
the view's ``ui_url``) to load the UI from elsewhere: a CDN, e.g.
``"https://unpkg.com/@asyncapi/react-component@3.2.1/"``, or the collected static files,
``"/static/chanx_asyncapi/react-component/"``.

Both views are public unless ``CHANX["ASYNCAPI_SERVE_PERMISSIONS"]`` (or the view's
``serve_permissions``) lists checks a request must pass.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template import TemplateDoesNotExist
from django.utils.cache import patch_vary_headers
from django.utils.module_loading import import_string
from django.views import View
from django.views.generic import TemplateView

from chanx.asyncapi.assets import ASSET_PARAMETER, asset_url, serve_asset
from chanx.asyncapi.rendering import CONTENT_TYPES, FORMATS, DocumentFormat, render_document
from chanx.asyncapi.schema import DocumentOptions, build_document, request_base_url
from chanx.channels.settings import chanx_settings

UI_VERSION = "3.2.1"
"""The vendored ``@asyncapi/react-component`` release (see ``scripts/vendor_ui.sh``)."""

UI_SCRIPT = "browser/standalone/index.js"
UI_STYLESHEET = "styles/default.min.css"
_UI_ASSET_ROOT = "react-component/"
DEFAULT_DOCS_TEMPLATE = "chanx_asyncapi/docs.html"

MEDIA_TYPES: Final[dict[str, DocumentFormat]] = {
    "application/json": "json",
    "application/vnd.aai.asyncapi+json": "json",
    "application/yaml": "yaml",
    "application/vnd.aai.asyncapi+yaml": "yaml",
    "application/x-yaml": "yaml",
    "text/yaml": "yaml",
    "text/x-yaml": "yaml",
}
"""The ``Accept`` media types the schema view answers, and the format each one asks for.

The ``vnd.aai.asyncapi`` types are AsyncAPI's own; a response has the type the client
asked for. Wildcards (``*/*``, ``application/*``) get JSON.
"""

PermissionCheck = Callable[..., Any]
"""A function ``(request) -> bool``, or a class with DRF's ``has_permission(request, view)``."""


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
    """Shared by both views: where the document comes from, and who may see it."""

    discovery_class: str | None = None
    """Dotted path of a custom route discovery class; None walks ``ASGI_APPLICATION``."""

    serve_permissions: Sequence[str | PermissionCheck] | None = None
    """Checks every request must pass; None uses ``CHANX["ASYNCAPI_SERVE_PERMISSIONS"]``."""

    def get_document(self, request: HttpRequest) -> dict[str, Any]:
        """The document this view serves."""
        if self.discovery_class is None:
            return generate_asyncapi_schema(request)
        return build_document(
            DocumentOptions(
                detected_url=request_base_url(request), discovery_class=self.discovery_class
            )
        )

    def check_serve_permissions(self, request: HttpRequest) -> None:
        """Raise :class:`~django.core.exceptions.PermissionDenied` (a 403) unless every
        configured check allows ``request``.

        A check is a function of the request returning a bool, or a class with DRF's
        ``has_permission(request, view)`` (``rest_framework.permissions.IsAdminUser``),
        called with the Django request; either given as an object or a dotted path.
        """
        checks = self.serve_permissions
        if checks is None:
            checks = chanx_settings.ASYNCAPI_SERVE_PERMISSIONS
        for check in checks:
            if not _allows(check, request, self):
                raise PermissionDenied("You may not read this API's AsyncAPI documentation.")


def _allows(check: str | PermissionCheck, request: HttpRequest, view: object) -> bool:
    resolved = import_string(check) if isinstance(check, str) else check
    if isinstance(resolved, type) and hasattr(resolved, "has_permission"):
        return bool(resolved().has_permission(request, view))
    if hasattr(resolved, "has_permission"):
        return bool(resolved.has_permission(request, view))
    return bool(resolved(request))


def _requested_format(request: HttpRequest) -> tuple[DocumentFormat, str] | None:
    """The format and media type ``?format=`` or ``Accept`` asks for; None for a bad format."""
    requested = request.GET.get("format")
    if requested is not None:
        for document_format in FORMATS:
            if requested == document_format:
                return document_format, CONTENT_TYPES[document_format]
        return None
    return _negotiated(request.headers.get("Accept", ""))


def _negotiated(accept: str) -> tuple[DocumentFormat, str]:
    """The best of :data:`MEDIA_TYPES` for an ``Accept`` header; JSON when none fits.

    Highest ``q`` first; among equals, an exact type before ``application/*`` before
    ``*/*``, then the header's order. Nothing acceptable is answered with JSON too, as
    before content negotiation: a browser or ``curl`` still gets the document.
    """
    candidates: list[tuple[float, int, int, str]] = []
    for position, item in enumerate(accept.split(",")):
        media_type, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        media_type = media_type.lower()
        if quality <= 0 or not media_type:
            continue
        if media_type in MEDIA_TYPES:
            specificity = 0
        elif media_type in ("application/*", "*/*"):
            specificity = 1 if media_type == "application/*" else 2
        else:
            continue
        candidates.append((-quality, specificity, position, media_type))
    if candidates:
        media_type = min(candidates)[3]
        if media_type in MEDIA_TYPES:
            return MEDIA_TYPES[media_type], media_type
    return "json", CONTENT_TYPES["json"]


class AsyncAPISchemaView(_DocumentMixin, View):
    """The AsyncAPI 3.0 document of the project's WebSocket routes, as JSON or YAML.

    ``?format=json`` or ``?format=yaml`` chooses; without it the ``Accept`` header does
    (``application/yaml``, ``application/vnd.aai.asyncapi+yaml``, ... give YAML), and JSON
    is the default. Any other ``format`` is a 400 naming the valid ones.
    """

    # Django's own per-instance attribute, overridden the way Django documents it.
    http_method_names = ["get", "head", "options"]  # noqa: RUF012

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Generate (or reuse) the document and render it in the requested format."""
        self.check_serve_permissions(request)
        requested = _requested_format(request)
        if requested is None:
            return HttpResponseBadRequest(
                f"Unknown format {request.GET['format']!r}: use ?format=json or ?format=yaml.\n",
                content_type="text/plain; charset=utf-8",
            )
        document_format, media_type = requested
        text = render_document(self.get_document(request), document_format)
        response = HttpResponse(text, content_type=f"{media_type}; charset=utf-8")
        patch_vary_headers(response, ("Accept",))
        return response


class AsyncAPIDocsView(_DocumentMixin, TemplateView):
    """An HTML page rendering the document with the AsyncAPI React component.

    The document is embedded as a JSON data block and rendered by a script file, so the
    page needs no inline script. The page's files are served by this view itself at
    ``?asset=NAME`` (:mod:`chanx.asyncapi.assets`); those answers are public, since they
    are the published UI package and carry nothing of the API. Override
    ``template_name`` for a custom page (keep the ``asyncapi`` and ``asyncapi-schema``
    element ids, or load your own script), and ``ui_url`` (or the
    ``CHANX_ASYNCAPI_UI_URL`` setting) to load the UI from a CDN or the static files.
    """

    template_name = DEFAULT_DOCS_TEMPLATE
    ui_url: str | None = None
    """Base URL of the ``@asyncapi/react-component`` files; None serves the bundled copy."""

    def get_ui_urls(self) -> tuple[str, str]:
        """URLs of the UI script and stylesheet: the configured base, else this view's own."""
        base = self.ui_url or getattr(settings, "CHANX_ASYNCAPI_UI_URL", None)
        if base:
            if not (urlsplit(base).scheme or base.startswith("/")):
                raise ImproperlyConfigured(
                    "CHANX_ASYNCAPI_UI_URL (or ui_url) must be a full URL or a path starting "
                    f"with '/', got {base!r}: the page would resolve it against its own URL. "
                    "For the collected static files use e.g. "
                    "'/static/chanx_asyncapi/react-component/'."
                )
            base = base if base.endswith("/") else base + "/"
            return base + UI_SCRIPT, base + UI_STYLESHEET
        page = self.request.path
        return (
            asset_url(page, _UI_ASSET_ROOT + UI_SCRIPT),
            asset_url(page, _UI_ASSET_ROOT + UI_STYLESHEET),
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        """``schema``, ``title``, ``ui_script_url``, ``ui_stylesheet_url`` and
        ``docs_script_url`` (the script that renders the page) for the template."""
        context = super().get_context_data(**kwargs)
        document = self.get_document(self.request)
        script, stylesheet = self.get_ui_urls()
        context.update(
            schema=document,
            title=document["info"]["title"],
            ui_script_url=script,
            ui_stylesheet_url=stylesheet,
            docs_script_url=asset_url(self.request.path, "docs.js"),
        )
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Serve one of the page's files (``?asset=``), or render the page now, so a
        missing app is reported with its fix."""
        asset = request.GET.get(ASSET_PARAMETER)
        if asset is not None:
            return serve_asset(request, asset)
        self.check_serve_permissions(request)
        response = super().get(request, *args, **kwargs)
        try:
            response.render()  # type: ignore[attr-defined]
        except TemplateDoesNotExist as exc:
            if self.template_name != DEFAULT_DOCS_TEMPLATE:
                raise
            raise ImproperlyConfigured(
                "AsyncAPIDocsView needs 'chanx.asyncapi' in INSTALLED_APPS: its template "
                "ships in that app."
            ) from exc
        return response


__all__ = [
    "MEDIA_TYPES",
    "UI_VERSION",
    "AsyncAPIDocsView",
    "AsyncAPISchemaView",
    "PermissionCheck",
    "generate_asyncapi_schema",
]
