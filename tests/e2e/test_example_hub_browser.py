"""The chat example's hub page in headless Chromium: rooms as topics on one socket, a live list.

The page (``/hub/``) subscribes, through the generated TypeScript client, to ``rooms`` (the
public rooms, a model stream) and to one ``room:<name>`` topic per open room, all on one
WebSocket. Rooms saved in the Django admin (driven in a second browser page) or in another
process (``manage.py shell``, over Redis) appear, change and go in the list without a reload.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.e2e.cdp import Browser, Page
from tests.e2e.clients import receive
from tests.e2e.servers import REPO, ChatServer, chat_server, manage

pytestmark = pytest.mark.e2e

ARTIFACTS = REPO / "artifacts" / "e2e"
PASSWORD = "demo-password"

COUNT_SOCKETS = """
window.openedSockets = [];
window.WebSocket = class extends window.WebSocket {
    constructor(...args) {
        super(...args);
        window.openedSockets.push(this.url);
    }
};
"""
"""Run before the page's scripts: record the URL of every WebSocket the page opens."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    with chat_server(tmp_path_factory.mktemp("hub") / "chat.sqlite3") as running:
        yield running


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def submit_login(page: Page, url: str, user: str) -> None:
    """Open a login form (the site's or the admin's) at ``url`` and log in as ``user``."""
    await page.navigate(url)
    await page.wait_for("document.readyState === 'complete' && !!document.forms.length")
    await page.evaluate(
        f"""(() => {{
            document.getElementById('id_username').value = {json.dumps(user)};
            document.getElementById('id_password').value = {json.dumps(PASSWORD)};
            document.querySelector('form [type=submit]').click();
        }})()"""
    )


async def open_hub(browser: Browser, server: ChatServer, user: str) -> Page:
    """A new page logged in as ``user`` on the hub, once its list of rooms has arrived."""
    page = await browser.new_page()
    await page.send("Page.addScriptToEvaluateOnNewDocument", {"source": COUNT_SOCKETS})
    await submit_login(page, f"{server.origin}/login/?next={quote('/hub/', safe='')}", user)
    await page.wait_for(
        "location.pathname === '/hub/' && "
        "document.getElementById('status')?.textContent === 'connected'"
    )
    await page.wait_for(_listed("lobby"))  # the list came: serve.py creates the lobby
    # Set once; a reload would lose it, so finding it later proves the page never reloaded.
    await page.evaluate("window.sameDocument = true")
    return page


def _listed(room: str) -> str:
    """A JavaScript test: ``room`` is in the page's list of rooms."""
    return f"!!document.querySelector('#room-list li[data-room={json.dumps(room)}]')"


def _title_of(room: str) -> str:
    """A JavaScript expression: the title the page's list shows for ``room``."""
    return (
        f"document.querySelector('#room-list li[data-room={json.dumps(room)}] .title')?.textContent"
    )


def _panel(room: str) -> str:
    """A JavaScript expression: the open room's panel."""
    return f"document.querySelector('#open-rooms article[data-room={json.dumps(room)}]')"


def _panel_shows(room: str, text: str) -> str:
    """A JavaScript test: the open room's panel shows the chat line ``text``."""
    return (
        f"Array.from({_panel(room)}?.querySelectorAll('.messages li') ?? [])"
        f".some((item) => item.textContent === {json.dumps(text)})"
    )


async def open_room(page: Page, room: str) -> str:
    """Open ``room`` with the page's "open any room" form; return the panel's state text."""
    await page.type_text("#room-name", room)
    await page.press_enter()
    return str(
        await page.wait_for(
            f"(() => {{ const state = {_panel(room)}?.querySelector('.state')?.textContent;"
            " return state && state !== 'subscribing…' ? state : null; })()"
        )
    )


async def say_in_panel(page: Page, room: str, text: str) -> None:
    """Type ``text`` into the open room's input and press Enter."""
    await page.evaluate(f"{_panel(room)}.querySelector('.say input').focus()")
    await page.send("Input.insertText", {"text": text})
    await page.press_enter()


class HubSocket:
    """A `websockets` client of the hub, as the demo user, with `ref`-matched requests."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self._refs = 0

    async def request(self, topic: str, action: str, payload: Any = None) -> dict[str, Any]:
        """Send a frame on ``topic``; return the reply carrying its ``ref``."""
        self._refs += 1
        ref = str(self._refs)
        frame: dict[str, Any] = {"version": 1, "topic": topic, "ref": ref, "action": action}
        if payload is not None:
            frame["payload"] = payload
        await self.ws.send(json.dumps(frame))
        while True:
            reply: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
            if reply.get("ref") == ref:
                return reply

    async def send(self, topic: str, action: str, payload: Any) -> None:
        """Send a frame on ``topic`` (replies, if any, are skipped by :meth:`push`)."""
        frame = {"version": 1, "topic": topic, "action": action, "payload": payload}
        await self.ws.send(json.dumps(frame))

    async def push(self, topic: str, action: str, **payload: Any) -> dict[str, Any]:
        """The next frame of ``topic`` with ``action`` whose payload has the ``payload`` items."""
        while True:
            frame = await receive(self.ws, action, timeout=10)
            if frame.get("topic") == topic and payload.items() <= frame["payload"].items():
                return frame


async def open_hub_socket(server: ChatServer) -> HubSocket:
    ws = await asyncio.wait_for(
        connect(f"ws://127.0.0.1:{server.port}/ws/hub/", additional_headers=server.headers()),
        10,
    )
    auth = await receive(ws, "authentication")
    assert auth["payload"]["status_code"] == 200, auth
    return HubSocket(ws)


async def admin_save(admin: Page, server: ChatServer, room: str, title: str, path: str) -> str:
    """Fill the admin's room form at ``path`` and save; return the change page's path."""
    await admin.navigate(server.origin + path)
    await admin.wait_for(
        "document.readyState === 'complete' && !!document.getElementById('id_title')"
    )
    await admin.evaluate(
        f"""(() => {{
            document.getElementById('id_name').value = {json.dumps(room)};
            document.getElementById('id_title').value = {json.dumps(title)};
            document.getElementById('id_is_public').checked = true;
            document.querySelector('input[name=_continue]').click();
        }})()"""
    )
    # "Save and continue editing" lands on the room's change page, with a success message.
    changed = await admin.wait_for(
        "document.readyState === 'complete' && /\\/admin\\/chat\\/room\\/\\d+\\/change\\/$/"
        ".test(location.pathname) && !!document.querySelector('.messagelist .success') && "
        "location.pathname"
    )
    return str(changed)


async def test_hub_page_rooms_on_one_socket_and_the_admin_updates_the_list_live(
    browser: Browser, server: ChatServer
) -> None:
    first, second, listed = _name("hub-a"), _name("hub-b"), _name("hub-listed")
    page = await open_hub(browser, server, "bob")
    other = await open_hub_socket(server)
    admin = await browser.new_page()
    try:
        # Two rooms on the page's one socket; the other client is in both too.
        assert await open_room(page, first) == "subscribed"
        assert await open_room(page, second) == "subscribed"
        for room in (first, second):
            reply = await other.request(f"room:{room}", "subscribe")
            assert reply["action"] == "subscribed", reply

        await other.send(f"room:{first}", "message", {"text": "hello first"})
        await other.send(f"room:{second}", "message", {"text": "hello second"})
        await page.wait_for(_panel_shows(first, "demo: hello first"))
        await page.wait_for(_panel_shows(second, "demo: hello second"))
        # Each room's messages stay in its own panel.
        assert not await page.evaluate(_panel_shows(second, "demo: hello first"))
        assert not await page.evaluate(_panel_shows(first, "demo: hello second"))

        await other.send(f"room:{second}", "typing", {"typing": True})
        await page.wait_for(
            f"{_panel(second)}.querySelector('.typing').textContent === 'demo typing…'"
        )
        assert await page.evaluate(f"{_panel(first)}.querySelector('.typing').textContent") == ""

        await say_in_panel(page, first, "bob in the first room")
        said = await other.push(f"room:{first}", "room_message", user="bob")
        assert said["payload"] == {"user": "bob", "text": "bob in the first room"}
        await page.wait_for(_panel_shows(first, "bob: bob in the first room"))

        # A staff room refuses bob; the panel says so, the other rooms go on.
        assert await open_room(page, "staff-lounge") == "refused: unauthorized"
        assert await page.evaluate(f"{_panel('staff-lounge')}.classList.contains('refused')")

        # Closing a room unsubscribes it: its messages no longer reach the page.
        await page.evaluate(f"{_panel(second)}.querySelector('.close').click()")
        await page.wait_for(f"!{_panel(second)}")

        # The admin, in another browser page, saves a room: the hub's list follows live.
        await submit_login(admin, f"{server.origin}/admin/login/?next=/admin/", "admin")
        await admin.wait_for(
            "location.pathname === '/admin/' && document.readyState === 'complete'"
        )
        change = await admin_save(admin, server, listed, "Listed first", "/admin/chat/room/add/")
        await page.wait_for(_listed(listed))
        assert await page.evaluate(_title_of(listed)) == "Listed first"
        await admin_save(admin, server, listed, "Listed again", change)
        await page.wait_for(f"{_title_of(listed)} === 'Listed again'")

        # The list's Open button opens the room on the same socket.
        await page.evaluate(
            f"document.querySelector('#room-list li[data-room={json.dumps(listed)}] button')"
            ".click()"
        )
        await page.wait_for(
            f"{_panel(listed)}?.querySelector('.state').textContent === 'subscribed'"
        )

        await admin.navigate(f"{server.origin}{change.removesuffix('change/')}delete/")
        await admin.wait_for(
            "document.readyState === 'complete' && !!document.querySelector('#content form')"
        )
        await admin.evaluate("document.querySelector('#content form [type=submit]').click()")
        await admin.wait_for(
            "location.pathname === '/admin/chat/room/' && "
            "!!document.querySelector('.messagelist .success')"
        )
        await page.wait_for(f"!{_listed(listed)}")

        # All of it without a reload, on one WebSocket.
        assert await page.evaluate("window.sameDocument") is True
        sockets = await page.evaluate("window.openedSockets")
        assert sockets == [f"ws://127.0.0.1:{server.port}/ws/hub/"], sockets
        assert page.console == [], page.console
    finally:
        await page.screenshot(ARTIFACTS / "hub.png")
        await other.ws.close()


@pytest.mark.redis
async def test_rooms_saved_in_another_process_reach_the_hub_list(
    browser: Browser, redis_url: str, tmp_path: Path
) -> None:
    """``manage.py shell`` saves rooms: the app's ready() connected the stream there too."""
    database = tmp_path / "chat.sqlite3"
    room = _name("shell")
    with chat_server(database, redis_url) as running:
        page = await open_hub(browser, running, "alice")
        rooms = "from chat.models import Room; rooms = Room.objects; "
        create = rooms + f"rooms.create(name='{room}', title='From a shell')"
        await asyncio.to_thread(manage, database, "shell", "-c", create, redis_url=redis_url)
        await page.wait_for(f"{_title_of(room)} === 'From a shell'")
        delete = rooms + f"rooms.get(name='{room}').delete()"
        await asyncio.to_thread(manage, database, "shell", "-c", delete, redis_url=redis_url)
        await page.wait_for(f"!{_listed(room)}")
        assert await page.evaluate("window.sameDocument") is True
