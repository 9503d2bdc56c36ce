"""The chat example's AsyncAPI docs page under uvicorn with ``DEBUG=False``, in Chromium.

Nothing serves ``/static/`` there: ``runserver`` is not involved, ``staticfiles_urlpatterns``
are empty without ``DEBUG``, and the example adds no WhiteNoise. The page must still render,
from the files the docs view serves itself, exactly as the URLconf in docs/asyncapi.md
mounts it.
"""

from __future__ import annotations

import gzip
import json
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator

import pytest

from tests.e2e.cdp import Browser
from tests.e2e.servers import REPO, ChatServer, chat_server

pytestmark = pytest.mark.e2e

SCREENSHOT = REPO / "artifacts" / "e2e" / "asyncapi-docs-uvicorn.png"
SUMMARIES = ("Join the room", "Say something", "Announcement from the server")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DJANGO_DEBUG", "0")  # read by examples/chat/chat_project/settings.py
        with chat_server(tmp_path_factory.mktemp("docs") / "chat.sqlite3") as running:
            yield running


def _get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, _lowered(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        return error.code, _lowered(error.headers.items()), error.read()


def _lowered(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers}


def test_static_files_are_not_served_by_this_server(server: ChatServer) -> None:
    # The premise: a page that relied on /static/ would come up blank here.
    status, _, _ = _get(f"{server.origin}/static/chanx_asyncapi/docs.js")
    assert status == 404


async def test_docs_page_renders_the_api_under_uvicorn_without_debug(
    server: ChatServer, browser: Browser
) -> None:
    page = await browser.new_page(width=1280, height=900)
    await page.navigate(f"{server.origin}/asyncapi/docs/")
    # Text the AsyncAPI React component drew inside #asyncapi: the embedded JSON block sits
    # outside that element, so finding the summaries here means the UI rendered.
    rendered = "document.getElementById('asyncapi')?.innerText || ''"
    checks = " && ".join(f"({rendered}).includes({json.dumps(s)})" for s in SUMMARIES)
    await page.wait_for(checks, timeout=30)
    text = await page.evaluate(rendered)
    assert "Chat example" in text
    assert "/ws/chat/{room}/" in text, text[:3000]
    assert "could not be loaded" not in text
    # Descriptions are CommonMark: no reStructuredText ``literal`` shown as typed.
    assert "``" not in text, text[text.index("``") - 200 :][:400]
    # Kept for a person (or CI's artifact upload) to look at; a blank page is a few KB.
    assert (await page.screenshot(SCREENSHOT)).stat().st_size > 10 * 1024
    # The page's three files came from the docs URL itself; nothing from another origin.
    loaded = dict(
        await page.evaluate(
            "performance.getEntriesByType('resource').map(e => [e.name, e.responseStatus])"
        )
    )
    assets = {url: status for url, status in loaded.items() if "/asyncapi/docs/?asset=" in url}
    assert len(assets) == 3, loaded
    assert set(assets.values()) == {200}, assets
    assert all(url.startswith(server.origin + "/") for url in loaded), loaded
    assert not [line for line in page.console if line.startswith("uncaught")], page.console


def test_ui_bundle_is_served_compressed_and_cacheable_by_uvicorn(server: ChatServer) -> None:
    status, _, html = _get(f"{server.origin}/asyncapi/docs/")
    assert status == 200
    [script] = [
        src.replace("&amp;", "&")
        for src in html.decode().split('src="')[1:]
        if "standalone" in src.split('"', 1)[0]
    ]
    url = server.origin + script.split('"', 1)[0]
    status, headers, body = _get(url, **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["content-type"] == "text/javascript; charset=utf-8"
    assert headers["content-encoding"] == "gzip"
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert b"AsyncApiStandalone" in gzip.decompress(body)
    again, _, empty = _get(url, **{"Accept-Encoding": "gzip", "If-None-Match": headers["etag"]})
    assert (again, empty) == (304, b"")
