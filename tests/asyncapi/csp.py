"""Test-only middleware: serve every page under a strict Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

STRICT_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-eval'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
"""Only same-origin files, no inline script or style: what the docs page works under.

``'unsafe-eval'`` is the one allowance, and not ours: the AsyncAPI parser inside the
standalone bundle validates the document with Ajv, which compiles validators with
``new Function``. Without it the bundle fails as it loads.
"""


class StrictCSPMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response["Content-Security-Policy"] = STRICT_CSP
        return response
