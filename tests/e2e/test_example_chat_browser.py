"""The chat page in headless Chromium: log in, chat, and see `websockets` clients' messages."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from tests.e2e.cdp import Browser, Page
from tests.e2e.clients import open_chat, receive, send
from tests.e2e.servers import REPO, ChatServer, chat_server

pytestmark = pytest.mark.e2e

ARTIFACTS = REPO / "artifacts" / "e2e"
PASSWORD = "demo-password"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    with chat_server(tmp_path_factory.mktemp("chat") / "chat.sqlite3") as running:
        yield running


def _room() -> str:
    return "browser-" + uuid.uuid4().hex[:8]


async def log_in(browser: Browser, server: ChatServer, user: str, room: str) -> Page:
    """A new page (own cookies) logged in as ``user`` through the login form, in ``room``.

    Returns once the page's WebSocket is authenticated and the page has joined the room.
    """
    page = await browser.new_page()
    await page.navigate(f"{server.origin}/login/?next={quote('/?room=' + room, safe='')}")
    await page.wait_for("document.readyState === 'complete' && !!document.forms.length")
    await page.evaluate(
        f"""(() => {{
            document.getElementById('id_username').value = {json.dumps(user)};
            document.getElementById('id_password').value = {json.dumps(PASSWORD)};
            document.querySelector('form button[type=submit]').click();
        }})()"""
    )
    await page.wait_for(
        "location.pathname === '/' && "
        "document.getElementById('status')?.textContent === 'connected' && "
        f"document.getElementById('chat').dataset.room === {json.dumps(room)}"
    )
    await page.wait_for(f"document.getElementById('messages').textContent.includes('as {user}')")
    return page


async def record_typing_lines(page: Page) -> None:
    """From now on, collect every text the page's typing line shows in ``window.typingLines``.

    The line shows "alice typing…" only until 2 s after her last key: looking at it once,
    later, would find it empty again on a machine slow enough.
    """
    await page.evaluate(
        """(() => {
            const line = document.getElementById('typing');
            window.typingLines = [];
            new MutationObserver(() => window.typingLines.push(line.textContent))
                .observe(line, {childList: true, characterData: true, subtree: true});
        })()"""
    )


def _shows(text: str) -> str:
    """A JavaScript test for a rendered chat line equal to ``text``."""
    return (
        "Array.from(document.querySelectorAll('#messages li'))"
        f".some((item) => item.textContent === {json.dumps(text)})"
    )


async def test_message_typed_in_the_page_reaches_another_browser_and_a_websockets_client(
    browser: Browser, server: ChatServer
) -> None:
    room = _room()
    watcher = await open_chat(server, room)
    alice = await log_in(browser, server, "alice", room)
    bob = await log_in(browser, server, "bob", room)
    try:
        assert (await receive(watcher, "member_joined"))["payload"] == {"user": "alice"}
        assert (await receive(watcher, "member_joined"))["payload"] == {"user": "bob"}
        await alice.wait_for(_shows("bob joined"))

        text = "hello from chromium"
        await record_typing_lines(bob)
        await alice.type_text("#text", text)
        await bob.wait_for("window.typingLines.includes('alice typing…')")
        typing = await receive(watcher, "typing_notice")
        assert typing["payload"] == {"user": "alice", "typing": True}
        await alice.press_enter()

        said = await receive(watcher, "room_message")
        assert said["payload"] == {"user": "alice", "text": text}
        await bob.wait_for(_shows(f"alice: {text}"))
        await alice.wait_for(_shows(f"alice: {text}"))
        assert await alice.evaluate("document.getElementById('text').value") == ""
        await bob.wait_for("document.getElementById('typing').textContent === ''")
    finally:
        await bob.screenshot(ARTIFACTS / "chat.png")
        await watcher.close()
    assert (ARTIFACTS / "chat.png").read_bytes().startswith(b"\x89PNG")


async def test_message_from_a_websockets_client_appears_in_the_page(
    browser: Browser, server: ChatServer
) -> None:
    room = _room()
    page = await log_in(browser, server, "bob", room)
    sender = await open_chat(server, room)
    try:
        await page.wait_for(_shows("demo joined"))

        await send(sender, "message", {"text": "hi bob, from websockets"})
        await page.wait_for(_shows("demo: hi bob, from websockets"))
        await send(sender, "typing", {"typing": True})
        await page.wait_for("document.getElementById('typing').textContent === 'demo typing…'")
        assert page.console == [], page.console
    finally:
        await page.screenshot(ARTIFACTS / "chat-from-websockets.png")
        await sender.close()
