"""The docs page's own files, served by the docs view at ``?asset=`` (chanx.asyncapi.assets)."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client, modify_settings, override_settings

import chanx.asyncapi
from chanx.asyncapi.assets import ASSETS, IMMUTABLE, REVALIDATE, load_asset

DOCS = "/asyncapi/docs/"
STATIC = Path(chanx.asyncapi.__file__).with_name("static") / "chanx_asyncapi"
UI_SCRIPT = "react-component/browser/standalone/index.js"


@pytest.fixture(autouse=True)
def _docs_urls() -> Iterator[None]:
    with (
        override_settings(
            ROOT_URLCONF="tests.asyncapi.urls",
            ASGI_APPLICATION="tests.asyncapi.asgi.application",
            DEBUG=False,
        ),
        modify_settings(INSTALLED_APPS={"remove": "django.contrib.staticfiles"}),
    ):
        yield


def _linked_assets(client: Client, page: str = DOCS) -> list[str]:
    """The URLs of the files the docs page links, as a browser would request them."""
    html = client.get(page).content.decode()
    return [url.replace("&amp;", "&") for url in re.findall(r'(?:src|href)="([^"]+)"', html)]


def test_docs_page_links_its_three_files_to_its_own_url(client: Client) -> None:
    urls = _linked_assets(client)
    assert len(urls) == 3, urls
    for name in ASSETS:
        digest = load_asset(name).digest
        assert f"{DOCS}?asset={name.replace('/', '%2F')}&v={digest}" in urls, (name, urls)


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("docs.js", "text/javascript; charset=utf-8"),
        (UI_SCRIPT, "text/javascript; charset=utf-8"),
        ("react-component/styles/default.min.css", "text/css; charset=utf-8"),
    ],
)
def test_linked_files_are_the_packaged_files_with_their_content_type(
    client: Client, name: str, content_type: str
) -> None:
    [url] = [u for u in _linked_assets(client) if name.replace("/", "%2F") in u]
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response.content == (STATIC / name).read_bytes()
    assert response["Content-Length"] == str(len(response.content))
    assert response["X-Content-Type-Options"] == "nosniff"


def test_versioned_url_is_cached_for_a_year_as_immutable(client: Client) -> None:
    digest = load_asset("docs.js").digest
    response = client.get(DOCS, {"asset": "docs.js", "v": digest})
    assert response["Cache-Control"] == IMMUTABLE
    assert response["ETag"] == f'"{digest}"'
    assert "Accept-Encoding" in response["Vary"]


@pytest.mark.parametrize("version", [None, "0123456789abcdef"])
def test_unversioned_or_stale_url_must_revalidate(client: Client, version: str | None) -> None:
    query = {"asset": "docs.js"} if version is None else {"asset": "docs.js", "v": version}
    response = client.get(DOCS, query)
    assert response.status_code == 200
    # Never "immutable" for a URL whose digest is not the current file's: the cached copy
    # would outlive an upgrade.
    assert response["Cache-Control"] == REVALIDATE
    assert response["ETag"] == f'"{load_asset("docs.js").digest}"'


def test_matching_etag_gets_304_without_a_body(client: Client) -> None:
    etag = client.get(DOCS, {"asset": "docs.js"})["ETag"]
    response = client.get(DOCS, {"asset": "docs.js"}, HTTP_IF_NONE_MATCH=f'"other", W/{etag}')
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    stale = client.get(DOCS, {"asset": "docs.js"}, HTTP_IF_NONE_MATCH='"other"')
    assert stale.status_code == 200


def test_gzip_is_served_to_clients_that_accept_it(client: Client) -> None:
    response = client.get(DOCS, {"asset": UI_SCRIPT}, HTTP_ACCEPT_ENCODING="br, gzip;q=0.8")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    original = (STATIC / UI_SCRIPT).read_bytes()
    assert gzip.decompress(response.content) == original
    assert len(response.content) < len(original) // 2
    assert response["ETag"] == f'"{load_asset(UI_SCRIPT).digest}-gzip"'
    refused = client.get(DOCS, {"asset": UI_SCRIPT}, HTTP_ACCEPT_ENCODING="gzip;q=0")
    assert not refused.has_header("Content-Encoding")
    assert refused.content == original


@pytest.mark.parametrize(
    "name",
    [
        "",
        "missing.js",
        "react-component/LICENSE",
        "../views.py",
        "../../asyncapi/views.py",
        "..%2F..%2Fviews.py",
        "/etc/passwd",
        "react-component/../docs.js",
        "./docs.js",
        "DOCS.JS",
    ],
)
def test_unknown_and_traversal_names_are_404(client: Client, name: str) -> None:
    response = client.get(DOCS, {"asset": name})
    assert response.status_code == 404
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content == b"Not found: the docs page has no such file.\n"


def test_files_are_served_without_staticfiles_or_debug(client: Client) -> None:
    from django.conf import settings

    assert not settings.DEBUG
    assert "django.contrib.staticfiles" not in settings.INSTALLED_APPS
    for url in _linked_assets(client):
        assert client.get(url).status_code == 200, url


def test_files_stay_public_when_the_page_is_guarded(client: Client) -> None:
    guarded = "/asyncapi/guarded-docs/"
    assert client.get(guarded).status_code == 403
    response = client.get(guarded, {"asset": "docs.js"})
    assert response.status_code == 200
    assert response.content == (STATIC / "docs.js").read_bytes()


def test_a_configured_ui_url_replaces_the_bundle_but_docs_js_is_still_served(
    client: Client,
) -> None:
    with override_settings(CHANX_ASYNCAPI_UI_URL="/static/chanx_asyncapi/react-component"):
        urls = _linked_assets(client)
    assert "/static/chanx_asyncapi/react-component/browser/standalone/index.js" in urls
    assert "/static/chanx_asyncapi/react-component/styles/default.min.css" in urls
    [docs_js] = [u for u in urls if u.startswith(DOCS)]
    assert "asset=docs.js" in docs_js
