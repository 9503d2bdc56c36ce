"""The samples of docs/snippets, driven the way the pages say they behave."""

from __future__ import annotations

import ast
import json
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from asgiref.sync import sync_to_async
from channels.security.websocket import AllowedHostsOriginValidator, OriginValidator
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from rest_framework.authtoken.models import Token

from chanx.asyncapi.validation import validation_errors
from chanx.channels.checks import check_chanx_settings
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import ErrorMessage, ErrorPayload, PongMessage
from chanx.testing import WebsocketCommunicator
from chanx.testing.connector import WebsocketConnector
from docs.snippets import (
    asgi,
    asyncapi_standalone,
    auth,
    handlers,
    quickstart,
    quickstart_asgi,
    quickstart_settings,
    rooms,
    settings_production,
    settings_test,
)

pytestmark = pytest.mark.django_db(transaction=True)


async def connect(router: Any, path: str, consumer: type) -> WebsocketCommunicator:
    ws = WebsocketCommunicator(router, path, consumer=consumer)
    connected, _ = await ws.connect()
    assert connected
    return ws


# quickstart.md


async def test_quickstart_echo_round_trip() -> None:
    ws = await connect(quickstart.router, "/ws/echo/", quickstart.EchoConsumer)
    await ws.send_to(text_data='{"action": "echo", "payload": {"text": "hello"}}')
    assert json.loads(await ws.receive_from()) == {
        "action": "echo_reply",
        "payload": {"text": "hello"},
    }
    assert json.loads(await ws.receive_from()) == {"action": "complete", "payload": None}
    await ws.send_message(PingMessage())
    assert await ws.receive_all_messages() == [PongMessage()]
    await ws.disconnect()


async def test_quickstart_unknown_action_gets_the_documented_error() -> None:
    ws = await connect(quickstart.router, "/ws/echo/", quickstart.EchoConsumer)
    await ws.send_to(text_data='{"action": "shout", "payload": {"text": "hello"}}')
    [error] = await ws.receive_all_json()
    assert error["action"] == "error"
    assert error["payload"]["detail"] == "Unknown or missing action"
    assert error["payload"]["errors"][0]["type"] == "union_tag_invalid"
    await ws.send_to(text_data="not json")
    [error] = await ws.receive_all_json()
    assert error["payload"]["detail"] == "Frame is not valid JSON"
    await ws.disconnect()


async def test_quickstart_asgi_application_routes_the_echo_socket() -> None:
    ws = await connect(quickstart_asgi.application, "/ws/echo/", quickstart.EchoConsumer)
    await ws.send_message(quickstart.EchoMessage(payload=quickstart.Text(text="served")))
    assert await ws.receive_all_messages() == [
        quickstart.EchoReply(payload=quickstart.Text(text="served"))
    ]
    await ws.disconnect()


def test_quickstart_settings_point_channels_at_the_asgi_module_and_a_layer() -> None:
    from channels.layers import InMemoryChannelLayer, get_channel_layer

    from chanx.channels.utils.asgi import get_websocket_application

    module, _, name = quickstart_settings.ASGI_APPLICATION.rpartition(".")
    assert (module, name) == ("myproject.asgi", "application")
    # The snippet stands in for myproject/asgi.py: the same setting, pointed at it.
    with override_settings(
        ASGI_APPLICATION="docs.snippets.quickstart_asgi.application",
        CHANNEL_LAYERS=quickstart_settings.CHANNEL_LAYERS,
    ):
        assert isinstance(get_channel_layer(), InMemoryChannelLayer)
        assert get_websocket_application() is quickstart.router


@pytest.mark.e2e
def test_quickstart_uvicorn_command_serves_the_echo_socket() -> None:
    from websockets.sync.client import connect as ws_connect

    from benchmarks.servers import uvicorn

    with (
        uvicorn(app="docs.snippets.quickstart_asgi:application") as server,
        ws_connect(f"ws://127.0.0.1:{server.port}/ws/echo/", open_timeout=10) as ws,
    ):
        ws.send('{"action": "echo", "payload": {"text": "over uvicorn"}}')
        reply = json.loads(ws.recv(timeout=10))
    assert reply == {"action": "echo_reply", "payload": {"text": "over uvicorn"}}


# messages-and-handlers.md

ORDER = {"order_id": 7, "items": [{"sku": "tea", "quantity": 2}]}


async def test_handler_union_return_sends_either_reply() -> None:
    ws = await connect(handlers.OrderConsumer.as_asgi(), "/", handlers.OrderConsumer)
    await ws.send_to(text_data=json.dumps({"action": "place_order", "payload": ORDER}))
    assert await ws.receive_all_messages() == [
        handlers.OrderAccepted(payload=handlers.Order(**ORDER))
    ]
    umbrella = {"order_id": 8, "items": [{"sku": "umbrella", "quantity": 1}]}
    await ws.send_to(text_data=json.dumps({"action": "place_order", "payload": umbrella}))
    assert await ws.receive_all_messages() == [
        handlers.OrderRejected(payload="out of stock: umbrella")
    ]
    await ws.disconnect()


async def test_invalid_payload_error_lists_each_problem() -> None:
    ws = await connect(handlers.OrderConsumer.as_asgi(), "/", handlers.OrderConsumer)
    bad = {"order_id": "x", "items": [{"sku": "tea", "quantity": 0}]}
    await ws.send_to(text_data=json.dumps({"action": "place_order", "payload": bad}))
    [error] = await ws.receive_all_json()
    assert error["payload"]["detail"] == "Message validation failed"
    assert [(e["loc"], e["type"]) for e in error["payload"]["errors"]] == [
        (["place_order", "payload", "order_id"], "int_parsing"),
        (["place_order", "payload", "items", 0, "quantity"], "greater_than"),
    ]
    await ws.disconnect()


async def test_failing_handler_sends_a_generic_error(caplog: pytest.LogCaptureFixture) -> None:
    ws = await connect(handlers.OrderConsumer.as_asgi(), "/", handlers.OrderConsumer)
    await ws.send_to(text_data='{"action": "cancel", "payload": 7}')
    assert await ws.receive_all_messages() == [
        ErrorMessage(payload=ErrorPayload(detail="Failed to process message"))
    ]
    assert "OrderConsumer.handle_cancel failed" in caplog.text
    assert "cancelling order 7" in caplog.text
    await ws.send_to(text_data='{"action": "cancel", "payload": 1234}')
    assert await ws.receive_all_messages() == [
        ErrorMessage(payload=ErrorPayload(detail="No order 1234"))
    ]
    await ws.disconnect()


async def test_frames_over_the_rate_limit_get_an_error() -> None:
    ws = await connect(handlers.OrderConsumer.as_asgi(), "/", handlers.OrderConsumer)
    # 20 a second in bursts of 40: 80 frames exceed that unless handling them takes 2 s,
    # and stay below the 50 refusals in a row that would close the connection.
    for _ in range(80):
        await ws.send_to(text_data='{"action": "cancel", "payload": 1234}')
    # Handled and refused frames alike end with `complete`: one per frame.
    replies = [reply for _ in range(80) for reply in await ws.receive_all_json(timeout=5)]
    details = [reply["payload"]["detail"] for reply in replies if reply["action"] == "error"]
    assert len(details) == 80, replies
    assert details.count("No order 1234") >= 40
    assert any(detail.startswith("Rate limit exceeded") for detail in details)
    await ws.disconnect()


async def test_deeply_nested_frame_gets_an_error() -> None:
    ws = await connect(handlers.OrderConsumer.as_asgi(), "/", handlers.OrderConsumer)
    await ws.send_to(text_data="[" * 40 + "]" * 40)
    [error] = await ws.receive_all_json()
    assert error["payload"]["detail"] == "Frame nests deeper than 32 levels"
    await ws.disconnect()


async def test_oversized_frame_closes_with_1009() -> None:
    ws = await connect(handlers.OrderConsumer.as_asgi(), "/", handlers.OrderConsumer)
    await ws.send_to(text_data="x" * (64 * 1024 + 1))
    await ws.assert_closed(1009)


def test_handler_table_is_built_at_class_creation() -> None:
    spec = handlers.OrderConsumer.__chanx_spec__
    assert set(spec.ws_handlers) == {"place_order", "cancel"}
    info = spec.ws_handlers["place_order"]
    assert info.output_types == (handlers.OrderAccepted, handlers.OrderRejected)
    assert info.summary == "Place an order"
    # summary= replaces the docstring's first line, so the description keeps all of it.
    assert info.description.startswith("Accept the order unless an item is out of stock.")


# broadcasting-and-events.md


async def test_room_broadcast_reaches_the_room_only() -> None:
    alice = await connect(rooms.router, "/ws/rooms/lobby/", rooms.RoomConsumer)
    bob = await connect(rooms.router, "/ws/rooms/lobby/", rooms.RoomConsumer)
    carol = await connect(rooms.router, "/ws/rooms/kitchen/", rooms.RoomConsumer)
    await alice.send_message(rooms.Say(payload="hi"))
    assert await alice.receive_all_messages() == []
    said = rooms.RoomMessage(payload=rooms.Said(user="anonymous", text="hi"))
    assert await alice.receive_all_messages(stop_action="group_complete") == [said]
    assert await bob.receive_all_messages(stop_action="group_complete") == [said]
    assert await carol.receive_nothing(0.1)
    for ws in (alice, bob, carol):
        await ws.disconnect()


async def test_announce_from_sync_code_reaches_the_event_handler() -> None:
    ws = await connect(rooms.router, "/ws/rooms/lobby/", rooms.RoomConsumer)
    await sync_to_async(rooms.announce)("lobby", "closing soon")
    assert await ws.receive_all_messages(stop_action="event_complete") == [
        rooms.AnnouncementNotice(payload="closing soon")
    ]
    await ws.disconnect()


async def test_event_without_handler_is_refused_at_the_sender() -> None:
    with pytest.raises(ValueError, match="RoomConsumer has no @event_handler for action 'say'"):
        await rooms.RoomConsumer.broadcast_event(rooms.Say(payload="x"), "room_lobby")


async def test_clients_cannot_send_events() -> None:
    ws = await connect(rooms.router, "/ws/rooms/lobby/", rooms.RoomConsumer)
    await ws.send_to(text_data='{"action": "announcement", "payload": "fake"}')
    [error] = await ws.receive_all_messages()
    assert isinstance(error, ErrorMessage)
    assert error.payload.detail == "Unknown or missing action"
    await ws.disconnect()


# authentication.md


async def test_token_user_is_admitted_and_known() -> None:
    user = await User.objects.acreate(username="ada")
    token = await Token.objects.acreate(user=user)
    connector = WebsocketConnector()
    try:
        headers = [(b"authorization", f"Token {token.key}".encode())]
        ws = await connector("/ws/profile/", headers=headers)
        await ws.assert_authenticated_status_ok()
        await ws.send_message(auth.WhoAmI())
        assert await ws.receive_all_messages() == [auth.YouAre(payload="ada")]
    finally:
        await connector.disconnect_all()


async def test_session_cookie_is_admitted() -> None:
    user = await User.objects.acreate(username="grace")
    client = Client()
    await sync_to_async(client.force_login)(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    connector = WebsocketConnector()
    try:
        ws = await connector("/ws/profile/", headers=[(b"cookie", cookie)])
        await ws.assert_authenticated_status_ok()
    finally:
        await connector.disconnect_all()


async def test_anonymous_and_bad_token_are_refused_with_4401() -> None:
    connector = WebsocketConnector()
    try:
        message = await connector.refused("/ws/profile/", 401)
        assert message is not None and message.payload.status_text == "Unauthorized"
        headers = [(b"authorization", b"Token nope")]
        message = await connector.refused("/ws/profile/", 401, headers=headers)
        assert message is not None
        assert message.payload.data == {"detail": "Invalid token."}
    finally:
        await connector.disconnect_all()


async def test_custom_authenticator_admits_known_keys_and_refuses_others() -> None:
    connector = WebsocketConnector()
    try:
        ws = await connector("/ws/bots/", headers=[(b"x-api-key", b"k-123")])
        await ws.assert_authenticated_status_ok()
        await ws.send_message(auth.WhoAmI())
        assert await ws.receive_all_messages() == [auth.YouAre(payload="build-bot")]
        message = await connector.refused("/ws/bots/", 403, headers=[(b"x-api-key", b"bad")])
        assert message is not None and message.payload.data == {"detail": "Unknown API key."}
    finally:
        await connector.disconnect_all()


async def test_frames_of_a_refused_connection_are_never_handled() -> None:
    ws = WebsocketCommunicator(asgi.websocket_router, "/ws/bots/", consumer=auth.BotConsumer)
    await ws.connect()
    await ws.send_message(auth.WhoAmI())
    assert json.loads(await ws.receive_from())["action"] == "authentication"
    await ws.assert_closed(4403)  # and no reply to the frame before or after the close
    assert await ws.receive_nothing(0.2)


# deployment.md


async def test_foreign_origin_is_refused_at_the_handshake() -> None:
    websocket_app = asgi.application.application_mapping["websocket"]
    assert isinstance(websocket_app, OriginValidator)
    # AllowedHostsOriginValidator reads ALLOWED_HOSTS once, when asgi.py builds it.
    with override_settings(ALLOWED_HOSTS=["chat.example.com"]):
        guarded = AllowedHostsOriginValidator(asgi.websocket_router)
    for origin, admitted in [(b"https://evil.example", False), (b"https://chat.example.com", True)]:
        ws = WebsocketCommunicator(
            guarded, "/ws/echo/", headers=[(b"origin", origin)], consumer=quickstart.EchoConsumer
        )
        connected, _ = await ws.connect(allow_refused=True)
        assert connected is admitted
        if connected:
            await ws.disconnect()


def test_production_settings_pass_the_checks() -> None:
    assert settings_production.CHANNEL_LAYERS["default"]["BACKEND"].startswith("channels_redis")
    pytest.importorskip("channels_redis")
    from channels_redis.core import RedisChannelLayer

    RedisChannelLayer(**settings_production.CHANNEL_LAYERS["default"]["CONFIG"])
    with override_settings(CHANX=settings_production.CHANX):
        assert check_chanx_settings() == []


def test_test_settings_pass_the_checks() -> None:
    with override_settings(CHANX=settings_test.CHANX, CHANNEL_LAYERS=settings_test.CHANNEL_LAYERS):
        assert check_chanx_settings() == []


async def test_redis_layer_carries_broadcasts_between_consumers(redis_url: str) -> None:
    layers = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [redis_url]},
        }
    }
    with override_settings(CHANNEL_LAYERS=layers):
        from channels.layers import channel_layers

        channel_layers.backends.clear()
        try:
            ws = await connect(rooms.router, "/ws/rooms/redis/", rooms.RoomConsumer)
            await rooms.announce_async("redis", "via redis")
            assert await ws.receive_all_messages(stop_action="event_complete", timeout=3) == [
                rooms.AnnouncementNotice(payload="via redis")
            ]
            await ws.disconnect()
        finally:
            channel_layers.backends.clear()


# asyncapi.md


def test_schema_view_serves_json_and_yaml() -> None:
    client = Client()
    response = client.get("/asyncapi/schema/")
    assert response["Content-Type"].startswith("application/json")
    document = response.json()
    assert document["asyncapi"] == "3.0.0"
    assert validation_errors(document) == []
    assert {"/ws/echo/", "/ws/rooms/{room}/", "/ws/profile/", "/ws/bots/"} <= {
        channel["address"] for channel in document["channels"].values()
    }
    response = client.get("/asyncapi/schema/?format=yaml")
    assert response["Content-Type"].startswith("application/yaml")
    assert yaml.safe_load(response.content)["asyncapi"] == "3.0.0"
    assert client.get("/asyncapi/schema/?format=xml").status_code == 400


def test_docs_pages_load_the_bundled_or_cdn_ui() -> None:
    client = Client()
    page = client.get("/asyncapi/docs/").content.decode()
    bundle = "/asyncapi/docs/?asset=react-component%2Fbrowser%2Fstandalone%2Findex.js&amp;v="
    assert bundle in page
    script = bundle.replace("&amp;", "&").split("&v=")[0]
    assert client.get(script)["Content-Type"] == "text/javascript; charset=utf-8"
    cdn = client.get("/asyncapi/docs-cdn/").content.decode()
    assert "https://unpkg.com/@asyncapi/react-component@3.2.1/browser/standalone/index.js" in cdn


def test_standalone_generation_documents_the_room() -> None:
    document = yaml.safe_load(asyncapi_standalone.room_api_yaml())
    assert document["info"] == {"title": "Rooms", "version": "1.0.0"}
    assert document["servers"]["production"]["host"] == "chat.example.com"
    assert validation_errors(document) == []


def test_command_writes_validates_and_checks(tmp_path: Path) -> None:
    target = tmp_path / "asyncapi.yaml"
    call_command("generate_asyncapi_schema", "--file", str(target), "--validate", stderr=StringIO())
    call_command("generate_asyncapi_schema", "--check", str(target), stderr=StringIO())
    target.write_text(target.read_text() + "# edited\n")
    with pytest.raises(CommandError, match="out of date"):
        call_command("generate_asyncapi_schema", "--check", str(target), stderr=StringIO())


def test_command_uses_a_custom_discovery_class() -> None:
    out = StringIO()
    call_command(
        "generate_asyncapi_schema",
        "--format",
        "json",
        "--discovery-class",
        "docs.snippets.asyncapi_standalone.RoomsOnly",
        stdout=out,
    )
    document = json.loads(out.getvalue())
    assert [c["address"] for c in document["channels"].values()] == ["/ws/rooms/{room}/"]


# migration.md


@pytest.mark.parametrize(
    "module,distribution",
    [
        ("chanx.channels.authenticator", "chanx-drf"),
        ("chanx.channels.views", "chanx-asyncapi"),
        ("chanx.channels.testing", "chanx-testing"),
    ],
)
def test_documented_path_names_the_missing_distribution(
    module: str, distribution: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = {
        "chanx-drf": "chanx.drf",
        "chanx-asyncapi": "chanx.asyncapi",
        "chanx-testing": "chanx.testing",
    }[distribution]
    for name in list(sys.modules):
        if name in (module, owner) or name.startswith(owner + "."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, owner, None)  # as if the distribution were not installed
    with pytest.raises(ImportError, match=f"pip install {distribution}"):
        __import__(module)


# settings.md


def _table_rows(page: str) -> dict[str, list[str]]:
    rows = {}
    for line in (Path(__file__).parents[2] / "docs" / page).read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| `") and len(cells) >= 3:
            rows[cells[0].strip("`")] = cells
    return rows


def test_settings_page_lists_every_key_with_its_default() -> None:
    from chanx.channels.settings import DEFAULTS

    rows = _table_rows("settings.md")
    for key, default in DEFAULTS.items():
        assert key in rows, f"settings.md does not document {key}"
        assert ast.literal_eval(rows[key][2].strip("`")) == default, key


def test_settings_page_gives_the_consumer_attribute_defaults() -> None:
    from chanx.channels.websocket import AsyncJsonWebsocketConsumer

    rows = _table_rows("settings.md")
    for name in (
        "authenticator_class",
        "max_concurrent_handlers",
        "max_pending_frames",
        "max_frame_size",
        "max_json_depth",
        "rate_limit",
        "layer_recovery_timeout",
        "send_timeout",
        "channel_layer_alias",
    ):
        documented = ast.literal_eval(rows[name][1].strip("`"))
        assert documented == getattr(AsyncJsonWebsocketConsumer, name), name
