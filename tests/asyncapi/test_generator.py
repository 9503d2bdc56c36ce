"""The framework-neutral generator: routes in, a valid, deterministic AsyncAPI document out."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field, TypeAdapter

from chanx.asyncapi.generator import WebSocketRoute, generate_document, server_from_url
from chanx.asyncapi.message_schemas import message_schemas
from chanx.asyncapi.models import Contact, License, Server, Tag
from chanx.asyncapi.rendering import render_document
from chanx.core.codec import MessageCodec
from chanx.core.consumer import ChanxWebsocketConsumerMixin
from chanx.core.decorators import channel, event_handler, ws_handler
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import (
    AuthenticationMessage,
    CompleteMessage,
    ErrorMessage,
    EventCompleteMessage,
    GroupCompleteMessage,
    PongMessage,
)
from tests.asyncapi import consumers
from tests.asyncapi.messages import ChatPosted, SendChat

Validate = Callable[[dict[str, Any]], None]
ROOT = Path(__file__).resolve().parents[2]


def generate(*routes: WebSocketRoute, **options: Any) -> dict[str, Any]:
    return generate_document(list(routes), **options).to_dict()


def chat_routes() -> list[WebSocketRoute]:
    return [
        WebSocketRoute(
            "/ws/chat/{room_name}/", consumers.ChatConsumer, parameters={"room_name": "Room."}
        ),
        WebSocketRoute("/ws/notes/", consumers.NotesConsumer),
        WebSocketRoute("/ws/shop/orders/{order_id}/", consumers.ShopConsumer),
        WebSocketRoute("/ws/quiet/", consumers.QuietConsumer),
    ]


def test_channel_has_the_route_address_and_a_parameter_per_placeholder(
    assert_valid: Validate,
) -> None:
    doc = generate(
        WebSocketRoute(
            "/ws/chat/{room_name}/", consumers.ChatConsumer, parameters={"room_name": "Room."}
        ),
        WebSocketRoute("/ws/notes/{user_id}/{topic}/", consumers.NotesConsumer),
    )
    assert_valid(doc)
    chat = doc["channels"]["chatRoom"]
    assert chat["address"] == "/ws/chat/{room_name}/"
    assert chat["parameters"] == {"room_name": {"description": "Room."}}
    notes = doc["channels"]["notes"]
    assert notes["parameters"] == {"user_id": {}, "topic": {}}


def test_parameters_that_are_not_in_the_address_are_refused() -> None:
    with pytest.raises(ValueError, match=r"\['room'\] do not appear in the address"):
        generate(WebSocketRoute("/ws/chat/", consumers.ChatConsumer, parameters={"room": "x"}))


def test_channel_is_described_by_its_own_channel_decorator_else_name_and_docstring() -> None:
    class LoudChat(consumers.ChatConsumer):
        """Shouted chat."""

    doc = generate(
        WebSocketRoute("/a/", consumers.ChatConsumer),
        WebSocketRoute("/b/", consumers.NotesConsumer),
        WebSocketRoute("/c/", LoudChat),
        WebSocketRoute("/d/", consumers.QuietConsumer),
    )
    channels = doc["channels"]
    assert channels["chatRoom"]["title"] == "chat room"
    assert channels["chatRoom"]["description"] == "Chat with everyone in a room."
    assert channels["chatRoom"]["tags"] == [{"name": "chat"}, {"name": "rooms"}]
    assert channels["notes"]["description"].startswith("Private notes")
    # A subclass is another endpoint: it does not take its parent's @channel name.
    assert channels["loudChat"]["title"] == "LoudChat"
    assert channels["loudChat"]["description"] == "Shouted chat."
    # No docstring of its own: nothing inherited from the chanx base consumer either.
    assert "description" not in channels["quiet"]


def test_ws_handler_becomes_receive_operation_with_what_it_returns_as_reply() -> None:
    doc = generate(WebSocketRoute("/ws/chat/", consumers.ChatConsumer))
    ping = doc["operations"]["chatRoomHandlePing"]
    assert ping == {
        "action": "receive",
        "channel": {"$ref": "#/channels/chatRoom"},
        "summary": "Check the connection",
        # No docstring: the description is said from the handler's types.
        "description": "Handles `ping` frames from the client. Answers its sender with `pong`.",
        "messages": [{"$ref": "#/channels/chatRoom/messages/PingMessage"}],
        "reply": {
            "channel": {"$ref": "#/channels/chatRoom"},
            "messages": [{"$ref": "#/channels/chatRoom/messages/PongMessage"}],
        },
        "tags": [{"name": "health"}],
    }


def test_broadcast_declared_with_output_type_is_a_sent_message_not_a_reply() -> None:
    doc = generate(WebSocketRoute("/ws/chat/", consumers.ChatConsumer))
    op = doc["operations"]["chatRoomHandleChat"]
    assert op == {
        "action": "receive",
        "channel": {"$ref": "#/channels/chatRoom"},
        "summary": "Post a chat line",
        "description": "Broadcast to the whole room, the sender included.",
        "messages": [{"$ref": "#/channels/chatRoom/messages/SendChat"}],
        "tags": [{"name": "chat"}],
    }
    sent = doc["operations"]["chatRoomSendChatPosted"]
    assert sent["action"] == "send"
    assert sent["messages"] == [{"$ref": "#/channels/chatRoom/messages/ChatPosted"}]


def test_only_returned_output_types_are_replies_when_output_type_lists_more() -> None:
    class RelayConsumer(ChanxWebsocketConsumerMixin):
        @ws_handler(output_type=[PongMessage, ChatPosted])
        async def handle_ping(self, message: PingMessage) -> PongMessage:
            """Answer, and tell the others (exclude_current=True) that this one is alive."""
            return PongMessage()

    doc = generate(WebSocketRoute("/relay/", RelayConsumer))
    reply = doc["operations"]["relayHandlePing"]["reply"]
    assert reply["messages"] == [{"$ref": "#/channels/relay/messages/PongMessage"}]
    assert doc["operations"]["relaySendChatPosted"]["action"] == "send"


def test_summary_option_keeps_the_whole_docstring_as_description() -> None:
    class DocumentedConsumer(ChanxWebsocketConsumerMixin):
        @ws_handler(summary="Check the connection")
        async def handle_ping(self, message: PingMessage) -> PongMessage:
            """Answer with a pong.

            Clients send it every 30 seconds.
            """
            return PongMessage()

    op = generate(WebSocketRoute("/d/", DocumentedConsumer))["operations"]["documentedHandlePing"]
    assert op["summary"] == "Check the connection"
    assert op["description"] == "Answer with a pong.\n\nClients send it every 30 seconds."


def test_docstring_gives_summary_and_description_of_an_undecorated_handler() -> None:
    doc = generate(WebSocketRoute("/ws/notes/", consumers.NotesConsumer))
    op = doc["operations"]["notesHandleChat"]
    assert op["summary"] == "Keep a note."
    assert op["description"] == "The note comes back as posted."


def test_event_handler_outputs_become_a_send_operation() -> None:
    doc = generate(WebSocketRoute("/ws/chat/", consumers.ChatConsumer))
    op = doc["operations"]["chatRoomOnNotice"]
    assert op["action"] == "send"
    assert op["summary"] == "Relay a system notice"
    assert op["messages"] == [{"$ref": "#/channels/chatRoom/messages/NoticeDelivered"}]
    # The event itself comes from server code, never from the client: not a channel message.
    assert "SystemNotice" not in doc["channels"]["chatRoom"]["messages"]


def test_every_outgoing_message_has_a_send_operation() -> None:
    doc = generate(WebSocketRoute("/ws/chat/", consumers.ChatConsumer), send_completion=True)
    sends = {
        key.removeprefix("chatRoomSend")
        for key, op in doc["operations"].items()
        if op["action"] == "send" and key.startswith("chatRoomSend")
    }
    assert sends == {
        "PongMessage",
        "ChatPosted",
        "AuthenticationMessage",
        "ErrorMessage",
        "CompleteMessage",
        "GroupCompleteMessage",
        "EventCompleteMessage",
        "UnsupportedVersionMessage",
    }
    error = doc["operations"]["chatRoomSendErrorMessage"]
    assert error["summary"].startswith("Sent when a frame cannot be handled")


def test_consumer_without_handlers_documents_errors_and_completion_only(
    assert_valid: Validate,
) -> None:
    doc = generate(WebSocketRoute("/ws/quiet/", consumers.QuietConsumer), send_completion=True)
    assert_valid(doc)
    assert sorted(doc["channels"]["quiet"]["messages"]) == [
        "CompleteMessage",
        "ErrorMessage",
        "GroupCompleteMessage",
        "UnsupportedVersionMessage",
    ]
    assert {op["action"] for op in doc["operations"].values()} == {"send"}


def test_authentication_message_only_for_consumers_with_an_authenticator() -> None:
    doc = generate(
        WebSocketRoute("/ws/chat/", consumers.ChatConsumer),
        WebSocketRoute("/ws/notes/", consumers.NotesConsumer),
    )
    assert "AuthenticationMessage" in doc["channels"]["chatRoom"]["messages"]
    assert "AuthenticationMessage" not in doc["channels"]["notes"]["messages"]
    auth = doc["components"]["schemas"]["AuthenticationPayload"]
    assert list(auth["properties"]) == ["status_code", "status_text", "data"]


def test_message_components_point_at_hoisted_payload_schemas(assert_valid: Validate) -> None:
    doc = generate(*chat_routes())
    assert_valid(doc)
    message = doc["components"]["messages"]["SendChat"]
    assert message["name"] == "send_chat"
    assert message["title"] == "SendChat"
    assert message["summary"] == "A chat line from the client."
    assert message["payload"] == {"$ref": "#/components/schemas/SendChat"}
    schema = doc["components"]["schemas"]["SendChat"]
    assert schema["properties"]["payload"] == {"$ref": "#/components/schemas/ChatPayload"}
    assert "$defs" not in json.dumps(doc)
    refs = _all_refs(doc)
    for ref in refs:
        assert _resolve(doc, ref) is not None, ref


def test_models_shared_by_several_consumers_are_defined_once() -> None:
    doc = generate(*chat_routes())
    schemas = doc["components"]["schemas"]
    assert "ChatPayload" in schemas and "Author" in schemas
    assert [key for key in schemas if "ChatPayload" in key] == ["ChatPayload"]
    # Both channels point at the same message component.
    for channel_key in ("chatRoom", "notes"):
        messages = doc["channels"][channel_key]["messages"]
        assert messages["SendChat"] == {"$ref": "#/components/messages/SendChat"}


def test_different_models_with_one_class_name_get_module_qualified_names() -> None:
    doc = generate(WebSocketRoute("/ws/shop/", consumers.ShopConsumer))
    schemas = doc["components"]["schemas"]
    assert "Item" not in schemas
    assert schemas["tests__asyncapi__messages__Item"]["properties"] == {
        "label": {"title": "Label", "type": "string"}
    }
    assert set(schemas["tests__asyncapi__shop__models__Item"]["properties"]) == {
        "sku",
        "price_cents",
    }
    order = schemas["Order"]["properties"]["items"]["items"]
    assert order == {"$ref": "#/components/schemas/tests__asyncapi__shop__models__Item"}


def test_message_with_several_actions_lists_them_all() -> None:
    doc = generate(WebSocketRoute("/ws/shop/", consumers.ShopConsumer))
    assert doc["components"]["messages"]["PlaceOrder"]["name"] == "place_order | place_order_v2"
    action = doc["components"]["schemas"]["PlaceOrder"]["properties"]["action"]
    assert action["enum"] == ["place_order", "place_order_v2"]


def test_camelize_shows_the_camel_case_keys_clients_see(assert_valid: Validate) -> None:
    doc = generate(*chat_routes(), camelize=True)
    assert_valid(doc)
    schemas = doc["components"]["schemas"]
    assert list(schemas["ChatPayload"]["properties"]) == ["messageText", "author"]
    assert schemas["ChatPayload"]["required"] == ["messageText", "author"]
    assert list(schemas["Author"]["properties"]) == ["displayName", "userId"]
    assert list(schemas["AuthenticationPayload"]["properties"]) == [
        "statusCode",
        "statusText",
        "data",
    ]


def test_renamed_action_key_shows_in_every_message_schema(assert_valid: Validate) -> None:
    doc = generate(*chat_routes(), action_key="type")
    assert_valid(doc)
    for key in doc["components"]["messages"]:
        schema = doc["components"]["schemas"][key]
        assert "type" in schema["properties"] and "action" not in schema["properties"], key
        assert "action" not in schema.get("required", [])


class Circle(BaseModel):
    kind: Literal["circle"] = "circle"
    radius: float


class Square(BaseModel):
    kind: Literal["square"] = "square"
    side: float


class DrawMessage(BaseMessage):
    action: Literal["draw"] = "draw"
    payload: Annotated[Circle | Square, Field(discriminator="kind")]


class DrawConsumer(ChanxWebsocketConsumerMixin):
    """A core-only consumer: the generator needs no Django."""

    @ws_handler
    async def handle_draw(self, message: DrawMessage) -> None:
        return None


def test_pydantic_discriminator_becomes_the_asyncapi_property_name(
    assert_valid: Validate,
) -> None:
    doc = generate(WebSocketRoute("/draw/", DrawConsumer))
    assert_valid(doc)
    payload = doc["components"]["schemas"]["DrawMessage"]["properties"]["payload"]
    assert payload["discriminator"] == "kind"


def test_null_defaults_inside_schemas_are_kept() -> None:
    doc = generate(WebSocketRoute("/ws/quiet/", consumers.QuietConsumer), send_completion=True)
    complete = doc["components"]["schemas"]["CompleteMessage"]["properties"]["payload"]
    assert complete == {"default": None, "title": "Payload", "type": "null"}


def test_one_consumer_at_two_addresses_gets_two_channels(assert_valid: Validate) -> None:
    doc = generate(
        WebSocketRoute("/ws/chat/{room_name}/", consumers.ChatConsumer),
        WebSocketRoute("/legacy/chat/{room_name}.json", consumers.ChatConsumer),
    )
    assert_valid(doc)
    # The first route keeps the plain id; the later one is told apart by its address.
    assert list(doc["channels"]) == ["chatRoom", "chatRoomLegacyChatRoomNameJson"]
    assert doc["channels"]["chatRoomLegacyChatRoomNameJson"]["address"] == (
        "/legacy/chat/{room_name}.json"
    )
    assert {"chatRoomHandleChat", "chatRoomLegacyChatRoomNameJsonHandleChat"} <= set(
        doc["operations"]
    )


def test_info_and_servers_are_taken_as_given(assert_valid: Validate) -> None:
    doc = generate(
        WebSocketRoute("/ws/quiet/", consumers.QuietConsumer),
        title="Shop API",
        version="2.1.0",
        description="Everything **shop**.",
        servers={"production": server_from_url("wss://shop.example.com/api/")},
    )
    assert_valid(doc)
    assert doc["info"] == {
        "title": "Shop API",
        "version": "2.1.0",
        "description": "Everything **shop**.",
    }
    assert doc["servers"] == {
        "production": {"host": "shop.example.com", "protocol": "wss", "pathname": "/api"}
    }
    assert list(doc)[:4] == ["asyncapi", "info", "servers", "defaultContentType"]


@pytest.mark.parametrize(
    ("url", "protocol", "expected"),
    [
        ("ws://localhost:8000", None, Server(host="localhost:8000", protocol="ws")),
        ("wss://example.com", None, Server(host="example.com", protocol="wss")),
        ("example.com:9000", None, Server(host="example.com:9000", protocol="ws")),
        ("ws://example.com", "wss", Server(host="example.com", protocol="wss")),
    ],
)
def test_server_from_url(url: str, protocol: str | None, expected: Server) -> None:
    assert server_from_url(url, protocol=protocol) == expected


def test_server_url_without_host_is_refused() -> None:
    with pytest.raises(ValueError, match="has no host"):
        server_from_url("ws://")


def test_output_is_byte_identical_across_generations() -> None:
    first = generate(*chat_routes(), camelize=True)
    second = generate(*chat_routes(), camelize=True)
    for fmt in ("json", "yaml"):
        assert render_document(first, fmt) == render_document(second, fmt)  # type: ignore[arg-type]


def test_components_do_not_depend_on_route_order() -> None:
    routes = chat_routes()
    forward = generate(*routes)["components"]
    backward = generate(*reversed(routes))["components"]
    assert json.dumps(forward) == json.dumps(backward)
    assert list(forward["schemas"]) == sorted(forward["schemas"])
    assert list(forward["messages"]) == sorted(forward["messages"])


def test_output_is_byte_identical_across_processes() -> None:
    script = (
        "import django, os;"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'tests.project.settings';"
        "django.setup();"
        "from tests.asyncapi.test_generator import chat_routes;"
        "from chanx.asyncapi.generator import generate_document;"
        "from chanx.asyncapi.rendering import render_document;"
        "print(render_document(generate_document(chat_routes()).to_dict(), 'yaml'), end='')"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env=_env(PYTHONHASHSEED=seed),
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1
    assert outputs == {render_document(generate(*chat_routes()), "yaml")}


def test_non_chanx_consumer_is_refused_with_the_fix() -> None:
    with pytest.raises(TypeError, match="is not a chanx consumer"):
        generate(WebSocketRoute("/ws/plain/", consumers.PlainChannelsConsumer))


def test_generator_and_models_import_without_django() -> None:
    script = (
        "import sys; sys.modules['django'] = None; sys.modules['channels'] = None;"
        "import chanx.asyncapi.generator, chanx.asyncapi.models, chanx.asyncapi.rendering;"
        "import chanx.asyncapi.validation; print('ok')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env=_env()
    )
    assert result.stdout.strip() == "ok", result.stderr


@channel(name="pings")
class PingConsumer(ChanxWebsocketConsumerMixin):
    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()

    @event_handler
    async def on_chat(self, event: SendChat) -> ChatPosted:
        return ChatPosted(payload=event.payload)


def test_event_completion_is_documented_only_for_consumers_with_event_handlers() -> None:
    doc = generate(
        WebSocketRoute("/pings/", PingConsumer),
        WebSocketRoute("/notes/", consumers.NotesConsumer),
        send_completion=True,
    )
    assert "EventCompleteMessage" in doc["channels"]["pings"]["messages"]
    assert "EventCompleteMessage" not in doc["channels"]["notes"]["messages"]
    assert doc["components"]["messages"]["CompleteMessage"]["summary"].startswith(
        "Sent after each client frame"
    )


def _env(**extra: str) -> dict[str, str]:
    import os

    env = dict(os.environ)
    env.update(extra)
    return env


def _all_refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _all_refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _all_refs(value)]
    return []


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def test_completion_signals_are_left_out_without_send_completion(assert_valid: Validate) -> None:
    doc = generate(WebSocketRoute("/pings/", PingConsumer))
    assert_valid(doc)
    assert sorted(doc["channels"]["pings"]["messages"]) == [
        "ChatPosted",
        "ErrorMessage",
        "PingMessage",
        "PongMessage",
        "UnsupportedVersionMessage",
    ]
    completions = {"CompleteMessage", "GroupCompleteMessage", "EventCompleteMessage"}
    assert not completions & set(doc["components"]["messages"])
    assert not [key for key in doc["operations"] if "Complete" in key]


@pytest.mark.parametrize(
    ("options", "action_key"),
    [({}, "action"), ({"action_key": "type"}, "type"), ({"camelize": True}, "action")],
)
def test_every_message_schema_requires_its_action_key(
    options: dict[str, Any], action_key: str
) -> None:
    doc = generate(*chat_routes(), send_completion=True, **options)
    schemas = doc["components"]["schemas"]
    for key in doc["components"]["messages"]:
        required = schemas[key]["required"]
        assert required[0] == action_key, key
        assert required.count(action_key) == 1, key
    # A payload without a default stays required; one with a default (None) does not.
    assert schemas["SendChat"]["required"] == [action_key, "payload"]
    assert schemas["CompleteMessage"]["required"] == [action_key]


def test_schema_and_message_titles_are_their_unique_component_keys() -> None:
    doc = generate(*chat_routes())
    schemas = doc["components"]["schemas"]
    assert {key: schema["title"] for key, schema in schemas.items()} == {
        key: key for key in schemas
    }
    assert (
        schemas["tests__asyncapi__shop__models__Item"]["title"]
        != (schemas["tests__asyncapi__messages__Item"]["title"])
    )
    messages = doc["components"]["messages"]
    assert {key: message["title"] for key, message in messages.items()} == {
        key: key for key in messages
    }


def test_info_contact_license_and_tags_are_documented(assert_valid: Validate) -> None:
    doc = generate(
        *chat_routes(),
        contact=Contact(name="API team", email="api@example.com"),
        license=License(name="MIT", url="https://opensource.org/license/mit"),
        tags=[Tag(name="chat"), Tag(name="admin", description="Staff only")],
    )
    assert_valid(doc)
    assert doc["info"]["contact"] == {"name": "API team", "email": "api@example.com"}
    assert doc["info"]["license"] == {"name": "MIT", "url": "https://opensource.org/license/mit"}
    assert doc["info"]["tags"] == [
        {"name": "chat"},
        {"name": "admin", "description": "Staff only"},
    ]
    assert not {"contact", "license", "tags"} & set(generate(*chat_routes())["info"])


def test_every_channel_has_a_websockets_binding(assert_valid: Validate) -> None:
    doc = generate(*chat_routes())
    assert_valid(doc)
    for key, chan in doc["channels"].items():
        assert chan["bindings"] == {"ws": {"method": "GET", "bindingVersion": "0.1.0"}}, key


@pytest.mark.parametrize(
    "options", [{}, {"camelize": True}, {"action_key": "type"}], ids=["plain", "camel", "key"]
)
def test_message_examples_validate_through_their_message_model(
    options: dict[str, Any], assert_valid: Validate
) -> None:
    routes = [*chat_routes(), WebSocketRoute("/pings/", PingConsumer)]
    doc = generate(*routes, send_completion=True, **options)
    assert_valid(doc)
    specs = [route.consumer.__chanx_spec__ for route in routes]
    classes = {cls for spec in specs for cls in spec.incoming_types}
    classes |= {cls for spec in specs for info in spec.handlers for cls in info.output_types}
    classes |= {
        AuthenticationMessage,
        CompleteMessage,
        ErrorMessage,
        EventCompleteMessage,
        GroupCompleteMessage,
    }
    _, keys = message_schemas(classes, (), **options)
    checked = []
    for cls, key in keys.items():
        for example in doc["components"]["messages"][key].get("examples", []):
            codec = MessageCodec(TypeAdapter(cls), **options)
            decoded = codec.decode(json.dumps(example["payload"]))
            assert isinstance(decoded, cls), key
            assert json.loads(codec.encode(decoded)) == example["payload"], key
            checked.append(key)
    # Messages that need no values have one; those that need a payload have none.
    assert {"PingMessage", "PongMessage", "CompleteMessage", "EventCompleteMessage"} <= set(checked)
    assert "examples" not in doc["components"]["messages"]["SendChat"]
