"""The chat page in headless Chromium: log in, chat, and see `websockets` clients' messages."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from websockets.asyncio.server import ServerConnection, serve

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


CLIENT_MODULE = "/static/chat/client/index.js"
"""The generated TypeScript client, compiled; the page imports it (see chat/static/chat/chat.js)."""


async def test_the_page_talks_through_the_generated_typescript_client(
    browser: Browser, server: ChatServer
) -> None:
    room = _room()
    page = await log_in(browser, server, "alice", room)
    try:
        # The page's socket is the generated client's, loaded from the committed module.
        assert await page.evaluate(
            f"import({json.dumps(CLIENT_MODULE)}).then((client) => "
            "window.chatClient instanceof client.ChatClient && window.chatClient.state === 'open')"
        )
        loaded = await page.evaluate(
            "performance.getEntriesByType('resource').map((entry) => new URL(entry.name).pathname)"
        )
        assert "/static/chat/client/runtime.js" in loaded, loaded
        # `ref` correlation against the real server: the reply resolves the request...
        pong = await page.evaluate("window.chatClient.requestPing()")
        assert pong == {"action": "pong", "payload": None}
        # ...and an `error` reply rejects it, with the server's payload; the socket stays open.
        refused = await page.evaluate(
            """window.chatClient.request({action: 'message', payload: {text: ''}}).then(
                () => null,
                (error) => ({name: error.name, detail: error.payload.detail}))"""
        )
        assert refused is not None and refused["name"] == "ServerError", refused
        assert await page.evaluate("window.chatClient.state") == "open"
        assert "error" not in await page.evaluate("document.getElementById('messages').textContent")
        assert page.console == [], page.console
    finally:
        await page.screenshot(ARTIFACTS / "chat-generated-client.png")


async def test_generated_client_stops_when_the_server_refuses_the_credentials(
    browser: Browser, server: ChatServer
) -> None:
    page = await browser.new_page()
    await page.navigate(f"{server.origin}/login/")  # not logged in: no session cookie
    await page.wait_for("document.readyState === 'complete'")
    outcome = await page.evaluate(
        f"""import({json.dumps(CLIENT_MODULE)}).then(async ({{ ChatClient }}) => {{
            const states = [];
            const client = new ChatClient(location.origin, {{ room: 'lobby' }}, {{
                reconnect: {{ initialDelay: 10 }},
                onStateChange: (change) => states.push([change.state, change.code ?? null]),
            }});
            await client.connect();
            await new Promise((resolve) => {{
                const poll = () => client.state === 'closed' ? resolve() : setTimeout(poll, 10);
                poll();
            }});
            return {{ states, error: client.error.name, code: client.error.code }};
        }})"""
    )
    assert outcome["error"] == "AuthenticationRefused", outcome
    assert outcome["code"] in (4401, 4403), outcome
    # Closed at once: a refusal is never retried.
    assert outcome["states"] == [["connecting", None], ["open", None], ["closed", outcome["code"]]]


async def test_generated_client_reconnects_after_1012_and_stops_at_1008(
    browser: Browser, server: ChatServer
) -> None:
    """The reconnect rules, against a scripted `websockets` server the page connects to.

    The first connection is closed with 1012 (service restart): the client comes back. The
    second answers one request, matched by its `ref`, then closes with 1008 (policy
    violation): the client stops for good.
    """
    received: list[dict[str, object]] = []
    paths: list[str] = []

    async def scripted(ws: ServerConnection) -> None:
        paths.append(ws.request.path if ws.request else "")
        if len(paths) == 1:
            await ws.close(1012, "restarting")
            return
        frame = json.loads(await ws.recv())
        received.append(frame)
        await ws.send(json.dumps({"ref": frame["ref"], "action": "pong", "payload": None}))
        await ws.close(1008, "slow down")

    async with serve(scripted, "127.0.0.1", 0) as scripted_server:
        port = scripted_server.sockets[0].getsockname()[1]
        page = await browser.new_page()
        await page.navigate(f"{server.origin}/login/")
        await page.wait_for("document.readyState === 'complete'")
        outcome = await asyncio.wait_for(
            page.evaluate(
                f"""import({json.dumps(CLIENT_MODULE)}).then(async ({{ ChatClient }}) => {{
                    const states = [];
                    const client = new ChatClient('ws://127.0.0.1:{port}', {{ room: 'r 1' }}, {{
                        reconnect: {{ initialDelay: 10 }},
                        onStateChange: (change) =>
                            states.push([change.state, change.code ?? null, change.attempt]),
                    }});
                    const until = (test) => new Promise((resolve) => {{
                        const poll = () => test() ? resolve() : setTimeout(poll, 10);
                        poll();
                    }});
                    await client.connect();
                    await until(() => states.filter(([state]) => state === 'open').length === 2);
                    const pong = await client.requestPing();
                    await until(() => client.state === 'closed');
                    return {{ states, pong, error: client.error.name, code: client.error.code }};
                }})"""
            ),
            30,
        )
    assert paths == ["/ws/chat/r%201/", "/ws/chat/r%201/"]
    assert outcome["states"] == [
        ["connecting", None, 0],
        ["open", None, 0],
        ["reconnecting", 1012, 1],
        ["open", None, 0],
        ["closed", 1008, 0],
    ], outcome
    assert outcome["pong"] == {"action": "pong", "payload": None}
    assert received == [{"ref": received[0]["ref"], "action": "ping", "payload": None}]
    assert isinstance(received[0]["ref"], str) and received[0]["ref"]
    assert (outcome["error"], outcome["code"]) == ("ConnectionClosedByServer", 1008)


async def test_generated_client_topic_handle_subscribes_talks_and_is_refused(
    browser: Browser, server: ChatServer
) -> None:
    room = _room()
    page = await log_in(browser, server, "bob", room)
    outcome = await asyncio.wait_for(
        page.evaluate(
            f"""import({json.dumps(CLIENT_MODULE)}).then(async ({{ HubClient }}) => {{
                const hub = new HubClient(location.origin);
                await hub.connect();
                const room = hub.roomTopic({{ name: {json.dumps(room)} }});
                const said = new Promise((resolve) => room.on('room_message', (message, context) =>
                    resolve({{ payload: message.payload, topic: context.topic }})));
                await room.subscribe();
                await room.sendMessage({{ text: 'over the hub' }});
                const pushed = await said;
                const refused = await hub.roomTopic({{ name: 'staff-only' }}).subscribe().then(
                    () => null, (error) => ({{ name: error.name, reason: error.reason }}));
                const same = hub.roomTopic({{ name: {json.dumps(room)} }}) === room;
                hub.close();
                return {{ pushed, refused, same, subscribed: room.subscribed }};
            }})"""
        ),
        30,
    )
    assert outcome["pushed"] == {
        "payload": {"user": "bob", "text": "over the hub"},
        "topic": f"room:{room}",
    }
    assert outcome["refused"] == {"name": "SubscriptionRefused", "reason": "unauthorized"}
    assert outcome["same"] is True and outcome["subscribed"] is True
