"""The docs page's own files, served by the docs view from the installed package.

The page needs three files: the ``@asyncapi/react-component`` bundle, its stylesheet and
``docs.js``. They ship in this app's ``static/`` folder, but a static file is only served
by ``runserver`` (with ``DEBUG``) or by whatever a deployment adds (WhiteNoise, a web
server over ``STATIC_ROOT``). So the docs view answers ``?asset=NAME`` itself, and the page
links its files that way: it renders under any ASGI or WSGI server with nothing else
set up.

Only the names in :data:`ASSETS` are served, looked up in a fixed table: a request can
never name a path on disk. Each file is read once per process. Its URL carries a digest
of its content (``&v=``), so the answer to a URL with the current digest never changes
and is cached by browsers and proxies for a year (``immutable``); any other request is
answered with ``no-cache`` and an ``ETag`` to revalidate against. Clients that accept
gzip get the file compressed (the bundle shrinks from 3 MB to under 1 MB).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified

ASSET_PARAMETER: Final = "asset"
"""The query parameter of the docs URL that names the file to serve."""

VERSION_PARAMETER: Final = "v"
"""The query parameter carrying the content digest that makes an asset URL cacheable."""

ASSETS: Final[dict[str, str]] = {
    "docs.js": "text/javascript; charset=utf-8",
    "react-component/browser/standalone/index.js": "text/javascript; charset=utf-8",
    "react-component/styles/default.min.css": "text/css; charset=utf-8",
}
"""Every file the docs view serves, by name (its path under ``static/chanx_asyncapi/``),
with its content type."""

IMMUTABLE: Final = "public, max-age=31536000, immutable"
"""``Cache-Control`` of an asset requested with its current digest."""

REVALIDATE: Final = "public, no-cache"
"""``Cache-Control`` of any other asset request: keep it, but ask again (with the ETag)."""

_ROOT = Path(__file__).with_name("static") / "chanx_asyncapi"
_GZIP = re.compile(r"(?:^|,)\s*gzip\s*(?:;\s*q\s*=\s*(?P<q>[0-9.]+))?\s*(?:,|$)", re.IGNORECASE)


@dataclass(frozen=True)
class Asset:
    """One packaged file, read into memory, with the digest that versions its URL."""

    name: str
    content_type: str
    body: bytes
    digest: str

    @property
    def etag(self) -> str:
        """The strong ETag of the uncompressed file."""
        return f'"{self.digest}"'

    @property
    def gzip_etag(self) -> str:
        """The ETag of the gzip-compressed file: another representation, another tag."""
        return f'"{self.digest}-gzip"'


@functools.cache
def load_asset(name: str) -> Asset:
    """The asset called ``name``, read once per process.

    Raises :class:`KeyError` for a name that is not in :data:`ASSETS`.
    """
    content_type = ASSETS[name]
    body = (_ROOT / name).read_bytes()
    digest = hashlib.sha256(body).hexdigest()[:16]
    return Asset(name=name, content_type=content_type, body=body, digest=digest)


@functools.cache
def _gzipped(name: str) -> bytes:
    # mtime=0: the same file always compresses to the same bytes, on every process.
    return gzip.compress(load_asset(name).body, compresslevel=6, mtime=0)


def asset_url(page_path: str, name: str) -> str:
    """The URL of asset ``name`` on the docs page at ``page_path``, digest included."""
    query = urlencode({ASSET_PARAMETER: name, VERSION_PARAMETER: load_asset(name).digest})
    return f"{page_path}?{query}"


def _accepts_gzip(request: HttpRequest) -> bool:
    match = _GZIP.search(request.headers.get("Accept-Encoding", ""))
    if match is None:
        return False
    try:
        return match["q"] is None or float(match["q"]) > 0
    except ValueError:
        return False


def _etag_matches(request: HttpRequest, etag: str) -> bool:
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    # Weak comparison (RFC 9110 13.1.2): a proxy may have weakened the tag (W/"...").
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in tags or etag in tags


def serve_asset(request: HttpRequest, name: str) -> HttpResponse:
    """The response to a request for asset ``name``: the file, a 304, or a 404.

    The 404 for an unknown name is a plain text response, not :class:`~django.http.Http404`,
    so no debug page lists the project's URLconf to whoever probes the parameter.
    """
    if name not in ASSETS:
        return HttpResponse(
            "Not found: the docs page has no such file.\n",
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    asset = load_asset(name)
    compressed = _accepts_gzip(request)
    etag = asset.gzip_etag if compressed else asset.etag
    current = request.GET.get(VERSION_PARAMETER) == asset.digest
    if _etag_matches(request, etag):
        response: HttpResponse = HttpResponseNotModified()
    else:
        body = _gzipped(name) if compressed else asset.body
        response = HttpResponse(body, content_type=asset.content_type)
        response["Content-Length"] = str(len(body))
        if compressed:
            response["Content-Encoding"] = "gzip"
    response["ETag"] = etag
    response["Cache-Control"] = IMMUTABLE if current else REVALIDATE
    response["Vary"] = "Accept-Encoding"
    response["X-Content-Type-Options"] = "nosniff"
    return response


__all__ = [
    "ASSETS",
    "ASSET_PARAMETER",
    "IMMUTABLE",
    "REVALIDATE",
    "VERSION_PARAMETER",
    "Asset",
    "asset_url",
    "load_asset",
    "serve_asset",
]
