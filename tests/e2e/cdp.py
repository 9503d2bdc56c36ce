"""Headless Chromium driven over the DevTools protocol (CDP) with the `websockets` library.

No browser download and no Playwright: the system ``chromium`` runs with
``--remote-debugging-port=0``, writes the port it picked to ``DevToolsActivePort`` in its
profile folder, and this module speaks CDP's JSON-RPC over one WebSocket to it::

    async with launch_chromium(find_chromium() or "chromium", tmp_path) as browser:
        page = await browser.new_page()
        await page.navigate("http://127.0.0.1:8000/")
        title = await page.wait_for("document.title")

Each :meth:`Browser.new_page` lives in its own browser context (its own cookie jar), so two
pages can be logged in as two different users at once.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

# Flags that matter on a headless CI machine: no sandbox (root in a container), no GPU, and
# none of the background services that would phone home or slow the start.
CHROMIUM_FLAGS = (
    "--headless=new",
    "--remote-debugging-port=0",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
)


class CDPError(RuntimeError):
    """Chromium answered a command with an error, or a script threw."""


def find_chromium() -> str | None:
    """The Chromium binary to drive: ``$CHROMIUM`` if set, else the first one on ``PATH``."""
    if configured := os.environ.get("CHROMIUM"):
        return shutil.which(configured)
    for name in CHROMIUM_NAMES:
        if found := shutil.which(name):
            return found
    return None


class Browser:
    """A connection to a running Chromium's browser endpoint.

    Commands are sent with :meth:`send`; one reader task matches each answer to its command
    by ``id`` and keeps the events of every attached page on that page.
    """

    def __init__(self, connection: ClientConnection) -> None:
        self._connection = connection
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._pages: dict[str, Page] = {}
        self._reader = asyncio.create_task(self._read())

    async def send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        session_id: str | None = None,
        timeout: float = 15,
    ) -> dict[str, Any]:
        """Send one CDP command (to a page when ``session_id`` is given); return its result."""
        command_id = next(self._ids)
        message: dict[str, Any] = {"id": command_id, "method": method, "params": params or {}}
        if session_id is not None:
            message["sessionId"] = session_id
        answer = asyncio.get_running_loop().create_future()
        self._pending[command_id] = answer
        try:
            await self._connection.send(json.dumps(message))
            reply = await asyncio.wait_for(answer, timeout)
        finally:
            self._pending.pop(command_id, None)
        if "error" in reply:
            raise CDPError(f"{method}: {reply['error'].get('message')} {reply['error']}")
        result: dict[str, Any] = reply.get("result", {})
        return result

    async def new_page(self, width: int = 900, height: int = 700) -> Page:
        """Open a blank page in a fresh browser context (no cookies shared with other pages)."""
        context = await self.send("Target.createBrowserContext", {"disposeOnDetach": True})
        target = await self.send(
            "Target.createTarget",
            {"url": "about:blank", "browserContextId": context["browserContextId"]},
        )
        attached = await self.send(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}
        )
        page = Page(self, attached["sessionId"])
        self._pages[page.session_id] = page
        await page.send("Page.enable")
        await page.send("Runtime.enable")
        # Each page behaves as the focused one: headless windows otherwise fight over focus
        # and a background page may not take keyboard input.
        await page.send("Emulation.setFocusEmulationEnabled", {"enabled": True})
        await page.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        return page

    async def close(self) -> None:
        """Ask Chromium to quit and stop reading from it."""
        with contextlib.suppress(Exception):
            await self.send("Browser.close", timeout=5)
        await self._connection.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader

    async def _read(self) -> None:
        try:
            async for raw in self._connection:
                message = json.loads(raw)
                if "id" in message:
                    answer = self._pending.get(message["id"])
                    if answer is not None and not answer.done():
                        answer.set_result(message)
                elif (page := self._pages.get(message.get("sessionId", ""))) is not None:
                    page._event(message["method"], message.get("params", {}))
        finally:
            for answer in self._pending.values():
                if not answer.done():
                    answer.set_exception(CDPError("the DevTools connection closed"))


class Page:
    """One attached page (a CDP session): navigate, run scripts, type, take screenshots."""

    def __init__(self, browser: Browser, session_id: str) -> None:
        self.browser = browser
        self.session_id = session_id
        self.console: list[str] = []
        """The page's console messages and uncaught exceptions, for failure messages."""

    async def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send one CDP command to this page."""
        return await self.browser.send(method, params, session_id=self.session_id)

    async def navigate(self, url: str) -> None:
        """Start loading ``url``; wait for what you need on the page with :meth:`wait_for`."""
        result = await self.send("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise CDPError(f"navigating to {url}: {result['errorText']}")

    async def evaluate(self, expression: str) -> Any:
        """The JSON value of a JavaScript expression in the page (promises are awaited)."""
        result = await self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise CDPError(f"{expression!r} threw: {text}")
        return result["result"].get("value")

    async def wait_for(self, expression: str, timeout: float = 10, interval: float = 0.05) -> Any:
        """Poll ``expression`` until it is truthy and return its value.

        Errors while polling count as "not yet": during a navigation the old document's
        execution context goes away and the new one is not there yet.
        """
        deadline = time.monotonic() + timeout
        last: Any = None
        while True:
            try:
                last = await self.evaluate(expression)
                if last:
                    return last
            except CDPError as error:
                last = error
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{expression!r} still not true after {timeout}s (last: {last!r}); "
                    f"page console: {self.console}"
                )
            await asyncio.sleep(interval)

    async def type_text(self, selector: str, text: str) -> None:
        """Focus the element and type ``text`` into it as keyboard input (fires ``input``)."""
        await self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        await self.send("Input.insertText", {"text": text})

    async def press_enter(self) -> None:
        """Press and release Enter in the focused element (submits a form from its input)."""
        key = {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13}
        await self.send("Input.dispatchKeyEvent", {"type": "keyDown", "text": "\r", **key})
        await self.send("Input.dispatchKeyEvent", {"type": "keyUp", **key})

    async def screenshot(self, path: Path) -> Path:
        """Save a PNG of the page at ``path`` (folders created) and return the path."""
        result = await self.send("Page.captureScreenshot", {"format": "png"})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(result["data"]))
        return path

    def _event(self, method: str, params: dict[str, Any]) -> None:
        if method == "Runtime.consoleAPICalled":
            values = [arg.get("value", arg.get("description")) for arg in params.get("args", [])]
            self.console.append(f"console.{params.get('type')}: {values}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            text = details.get("exception", {}).get("description") or details.get("text")
            self.console.append(f"uncaught: {text}")


@asynccontextmanager
async def launch_chromium(
    binary: str, workdir: Path, timeout: float = 20
) -> AsyncIterator[Browser]:
    """Run headless Chromium with a fresh profile in ``workdir`` until the block ends.

    On the way out Chromium is asked to quit, then its whole process group (renderers,
    zygote, GPU process) is killed, whatever happened in the block.
    """
    profile = workdir / "profile"
    profile.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "chromium.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    browser: Browser | None = None
    try:
        try:
            endpoint = await _devtools_endpoint(profile / "DevToolsActivePort", process, timeout)
            connection = await asyncio.wait_for(
                connect(endpoint, max_size=None, ping_interval=None), timeout
            )
        except (OSError, RuntimeError, TimeoutError) as error:
            log_tail = log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"chromium did not start: {error}\n{log_tail}") from error
        browser = Browser(connection)
        yield browser
    finally:
        if browser is not None:
            await browser.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


async def _devtools_endpoint(
    port_file: Path, process: subprocess.Popen[bytes], timeout: float
) -> str:
    """Wait for Chromium to write ``DevToolsActivePort`` (port, then the browser's path)."""
    deadline = time.monotonic() + timeout
    while True:
        if port_file.exists():
            lines = port_file.read_text().split()
            if len(lines) >= 2:
                return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
        if process.poll() is not None:
            raise RuntimeError(f"chromium exited with {process.returncode} before listening")
        if time.monotonic() > deadline:
            raise TimeoutError(f"chromium wrote no {port_file.name} within {timeout}s")
        await asyncio.sleep(0.05)
