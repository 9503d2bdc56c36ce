"""The chat example under uvicorn, driven by real `websockets` clients."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import websockets
from websockets.asyncio.client import connect

from tests.e2e.clients import open_chat, receive
from tests.e2e.servers import ChatServer, chat_server, manage
from tests.waiting import await_until

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    with chat_server(tmp_path_factory.mktemp("chat") / "chat.sqlite3") as running:
        yield running


async def test_authenticated_clients_chat_and_see_broadcasts(server: ChatServer) -> None:
    # Bob is in the room before Alice joins: the authentication frame alone would not say so.
    bob = await open_chat(server, "e2e")
    alice = await open_chat(server, "e2e", join=False)
    await alice.send(json.dumps({"action": "join"}))
    joined = await receive(alice, "joined")
    assert joined["payload"] == {"room": "e2e", "user": "demo"}
    assert (await receive(bob, "member_joined"))["payload"] == {"user": "demo"}

    await bob.send(json.dumps({"action": "message", "payload": {"text": "hello alice"}}))
    for ws in (alice, bob):
        said = await receive(ws, "room_message")
        assert said["payload"] == {"user": "demo", "text": "hello alice"}

    await alice.send(json.dumps({"action": "typing", "payload": {"typing": True}}))
    assert (await receive(bob, "typing_notice"))["payload"] == {"user": "demo", "typing": True}
    await alice.close()
    await bob.close()


async def test_malformed_frame_gets_error_and_chat_goes_on(server: ChatServer) -> None:
    ws = await open_chat(server, "lobby")
    await ws.send("{this is not json")
    error = await receive(ws, "error")
    assert error["payload"]["detail"] == "Frame is not valid JSON"
    await ws.send(json.dumps({"action": "message", "payload": {"text": ""}}))
    error = await receive(ws, "error")
    assert error["payload"]["errors"][0]["type"] == "string_too_short"
    await ws.send(json.dumps({"action": "message", "payload": {"text": "still here"}}))
    assert (await receive(ws, "room_message"))["payload"]["text"] == "still here"
    await ws.close()


async def test_missing_credentials_are_refused_with_401(server: ChatServer) -> None:
    ws = await connect(server.ws_url + "lobby/", additional_headers=[("Origin", server.origin)])
    auth = await receive(ws, "authentication")
    assert auth["payload"]["status_code"] == 401
    with pytest.raises(websockets.ConnectionClosed) as info:
        await ws.recv()
    assert info.value.rcvd is not None and info.value.rcvd.code == 4401


async def test_foreign_origin_is_refused_and_allowed_origin_works(server: ChatServer) -> None:
    headers = [("Authorization", f"Token {server.token}"), ("Origin", "http://evil.example")]
    with pytest.raises(websockets.InvalidStatus) as info:
        await connect(server.ws_url + "lobby/", additional_headers=headers)
    assert info.value.response.status_code == 403
    ws = await open_chat(server, "lobby")
    await ws.close()


async def test_printed_instructions_name_an_origin_the_server_accepts(server: ChatServer) -> None:
    async def printed_origin() -> str | None:
        line = next((line for line in server.output if "'Origin: " in line), None)
        return line.split("'Origin: ", 1)[1].split("'", 1)[0] if line else None

    origin = await await_until(printed_origin, "the Origin line of serve.py's instructions")
    token = [("Authorization", f"Token {server.token}")]
    with pytest.raises(websockets.InvalidStatus) as info:
        await connect(server.ws_url + "lobby/", additional_headers=token)
    assert info.value.response.status_code == 403, "the printed 403 without Origin"
    ws = await connect(server.ws_url + "lobby/", additional_headers=[*token, ("Origin", origin)])
    await ws.close()


async def test_oversized_frame_closes_with_1009(server: ChatServer) -> None:
    ws = await open_chat(server, "lobby")
    await ws.send(json.dumps({"action": "message", "payload": {"text": "x" * (2 * 1024 * 1024)}}))
    with pytest.raises(websockets.ConnectionClosed) as info:
        await asyncio.wait_for(ws.recv(), 5)
    assert info.value.rcvd is not None and info.value.rcvd.code == 1009


@pytest.mark.redis
async def test_announcement_from_management_command_reaches_clients_through_redis(
    tmp_path: Path, redis_url: str
) -> None:
    database = tmp_path / "chat.sqlite3"
    with chat_server(database, redis_url) as server:
        ws = await open_chat(server, "news")
        loop = asyncio.get_running_loop()
        out = await loop.run_in_executor(
            None,
            lambda: manage(database, "announce", "news", "hello from cron", redis_url=redis_url),
        )
        assert "announced to news" in out
        frame = await receive(ws, "announcement_message")
        assert frame["payload"] == {"text": "hello from cron"}
        await ws.close()
