"""The docs page in a real headless Chromium: the bundled UI renders the document offline.

Serves the page with Django's live server (static files included), loads it in
``chromium --headless --dump-dom`` and looks for the operation summaries in the DOM the
AsyncAPI React component built. A screenshot of the rendered page is kept in
``artifacts/asyncapi/docs.png`` (git-ignored) so a person, or CI's artifact upload, can see
what the UI drew. Skips when Chromium is missing, except under CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from django.test import modify_settings, override_settings

pytestmark = pytest.mark.e2e

_CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
SCREENSHOT = Path(__file__).resolve().parents[2] / "artifacts" / "asyncapi" / "docs.png"
"""Where the screenshot of the rendered docs page is kept, under the repository root."""
_MIN_SCREENSHOT_BYTES = 10 * 1024


def _chromium() -> str:
    for name in _CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    reason = "chromium is not installed (apt-get install -y chromium)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason} but CI is set: the CI run must install it")
    print(f"skipping the docs browser test: {reason}")
    pytest.skip(reason)


def _run_chromium(*args: str) -> str:
    """Chromium's stdout after loading a page headless and letting its scripts run."""
    binary = _chromium()
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [
                binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={profile}",
                "--virtual-time-budget=10000",
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def dump_dom(url: str) -> str:
    """The page's DOM after its scripts ran, as Chromium prints it."""
    return _run_chromium("--dump-dom", url)


def screenshot(url: str, target: Path) -> Path:
    """A 1280x900 PNG of the page after its scripts ran, written to ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)  # a stale file from an earlier run must not pass
    _run_chromium(f"--screenshot={target}", "--window-size=1280,900", "--hide-scrollbars", url)
    return target


@modify_settings(
    INSTALLED_APPS={"append": ["django.contrib.staticfiles", "chanx.asyncapi"]},
    MIDDLEWARE={"append": "tests.asyncapi.csp.StrictCSPMiddleware"},
)
@override_settings(
    ROOT_URLCONF="tests.asyncapi.urls",
    ASGI_APPLICATION="tests.asyncapi.asgi.application",
    CHANX={"ASYNCAPI_TITLE": "Chat API in a browser"},
)
class DocsPageInChromiumTests(StaticLiveServerTestCase):
    def test_docs_page_renders_operations_from_bundled_assets_under_strict_csp(self) -> None:
        url = f"{self.live_server_url}/asyncapi/docs/"
        # Taken first, so the picture is there to look at when an assertion below fails.
        png = screenshot(url, SCREENSHOT)
        dom = dump_dom(url)
        assert "Chat API in a browser" in dom
        # Rendered by the React component, not just present in the embedded JSON block:
        # the summaries appear outside the <script type="application/json"> element too.
        rendered = dom.split('<script id="asyncapi-schema"', 1)[0]
        for summary in ("Post a chat line", "Check the connection", "Relay a system notice"):
            assert summary in rendered, summary
        assert "/ws/chat/{room_name}/" in rendered
        assert "The AsyncAPI UI could not be loaded" not in dom
        assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n"), png
        # A blank 1280x900 page compresses to a few KB; a rendered document does not.
        assert png.stat().st_size > _MIN_SCREENSHOT_BYTES, png.stat().st_size
