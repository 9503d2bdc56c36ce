"""Permission checks the AsyncAPI view tests name in ``ASYNCAPI_SERVE_PERMISSIONS``."""

from __future__ import annotations

from django.http import HttpRequest


def nobody(request: HttpRequest) -> bool:
    """Refuse every request."""
    return False


def with_docs_header(request: HttpRequest) -> bool:
    """Allow requests that carry ``X-Docs: yes``."""
    return request.headers.get("X-Docs") == "yes"
