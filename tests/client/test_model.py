"""Building the IR: channels, messages, replies, models, topics and multiplex, names."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from chanx.client.document import DocumentError, load_document, validate_document
from chanx.client.model import ApiDef, ChannelDef, TypeRef, build_api
from tests.client.documents import TOPICS, UPSTREAM, chanx_test_document, chat_example_document


def channel(api: ApiDef, channel_id: str) -> ChannelDef:
    return next(c for c in api.channels if c.id == channel_id)


@pytest.fixture(scope="module")
def chanx_api() -> ApiDef:
    return build_api(validate_document(chanx_test_document()))


@pytest.fixture(scope="module")
def topics_document() -> dict[str, Any]:
    return load_document(str(TOPICS))


def test_chanx_channels_map_their_traffic_and_replies(chanx_api: ApiDef) -> None:
    chat = channel(chanx_api, "chatRoom")
    assert (chat.name, chat.identifier, chat.address) == (
        "ChatRoom",
        "chat_room",
        "/ws/chat/{room_name}/",
    )
    assert [(p.name, p.identifier, p.type.kind, p.description) for p in chat.parameters] == [
        ("room_name", "room_name", "string", "Room.")
    ]
    assert chat.sends == ("PingMessage", "SendChat")
    assert set(chat.receives) >= {
        "PongMessage",
        "NoticeDelivered",
        "ChatPosted",
        "AuthenticationMessage",
        "ErrorMessage",
    }
    assert chat.replies == (("PingMessage", ("PongMessage",)),)
    assert channel(chanx_api, "notes").replies == (("SendChat", ("ChatPosted",)),)
    assert chat.description == "Chat with everyone in a room."
    assert chat.topics == () and chat.multiplex is None


def test_messages_carry_action_payload_and_docs(chanx_api: ApiDef) -> None:
    send_chat = chanx_api.message("SendChat")
    assert send_chat.action == "send_chat"
    assert send_chat.payload == TypeRef("model", model="ChatPayload")
    assert send_chat.summary == "A chat line from the client."
    assert chanx_api.message("PingMessage").payload == TypeRef("null")
    assert chanx_api.message("NoticeDelivered").payload == TypeRef("string")


def test_an_enum_action_becomes_one_message_per_action(chanx_api: ApiDef) -> None:
    assert channel(chanx_api, "shop").sends == ("PlaceOrder", "PlaceOrderV2", "PackBox")
    assert chanx_api.message("PlaceOrder").action == "place_order"
    assert chanx_api.message("PlaceOrderV2").action == "place_order_v2"


def test_models_come_after_their_dependencies_with_short_unique_names(chanx_api: ApiDef) -> None:
    names = [model.name for model in chanx_api.models]
    assert names.index("Author") < names.index("ChatPayload")
    assert names.index("ErrorDetail") < names.index("ErrorPayload")
    # tests__asyncapi__messages__Item and tests__asyncapi__shop__models__Item
    assert {"MessagesItem", "ModelsItem"} <= set(names)
    assert len(names) == len(set(names))
    errors = next(f for f in _model(chanx_api, "ErrorPayload").fields if f.name == "errors")
    assert errors.type == TypeRef(
        "array", item=TypeRef("model", model="ErrorDetail"), nullable=True
    )
    assert (errors.required, errors.has_default, errors.default) == (False, True, None)


def _model(api: ApiDef, name: str) -> Any:
    return next(model for model in api.models if model.name == name)


def test_topics_nest_under_their_consumer(topics_document: dict[str, Any]) -> None:
    api = build_api(topics_document)
    assert [c.id for c in api.channels] == ["hub", "streams"]
    hub = channel(api, "hub")
    room, document = hub.topics
    assert (room.name, room.identifier, room.pattern) == ("RoomTopic", "room_topic", "room:{pk}")
    assert [(p.name, p.type.kind, p.description) for p in room.parameters] == [
        ("pk", "integer", "The room's primary key.")
    ]
    assert room.sends == ("Say",)
    assert room.receives == ("Said", "ErrorMessage")
    assert room.replies == (("Say", ("Said", "ErrorMessage")),)
    assert room.description == "Messages of one room."
    # An operation without `messages` carries all its channel's messages.
    assert (document.name, document.receives) == ("Document", ("Edited",))
    assert [(p.name, p.identifier, p.type) for p in document.parameters] == [
        ("slug", "slug", TypeRef("string")),
        ("class", "class_", TypeRef("literal", literals=("draft", "final"))),
    ]


def test_multiplex_extension_and_enum_parameters_are_kept(
    topics_document: dict[str, Any],
) -> None:
    streams = channel(build_api(topics_document), "streams")
    assert streams.multiplex is not None
    assert (streams.multiplex.consumer_key, streams.multiplex.message_field) == (
        "shapes",
        "message",
    )
    (team,) = streams.parameters
    assert (team.name, team.identifier) == ("team-id", "team_id")
    assert team.type == TypeRef("literal", literals=("red", "blue"))
    assert streams.sends == ("Shape", "Square")


def test_awkward_property_names_become_identifiers_with_their_key_kept(
    topics_document: dict[str, Any],
) -> None:
    api = build_api(topics_document)
    fields = {f.wire_name: f for f in _model(api, "SayPayload").fields}
    assert {key: f.name for key, f in fields.items()} == {
        "text": "text",
        "from": "from_",
        "model_name": "model_name_",
        "json": "json_",
        "tags": "tags",
        "reply-to": "reply_to",
    }
    assert fields["text"].description == "The words."
    assert fields["tags"].type == TypeRef("map", item=TypeRef("integer"))
    assert fields["reply-to"].type == TypeRef(
        "union", options=(TypeRef("integer"), TypeRef("string")), nullable=True
    )
    assert fields["model_name"].type == TypeRef("string", nullable=True)


def test_recursive_models_and_model_defaults(topics_document: dict[str, Any]) -> None:
    utterance = {f.name: f for f in _model(build_api(topics_document), "Utterance").fields}
    assert utterance["quote"].type == TypeRef("model", model="Utterance", nullable=True)
    assert utterance["author"].default == {"name": "anonymous"}


def test_upstream_document_builds(tmp_path: Path) -> None:
    api = build_api(load_document(str(UPSTREAM)))
    assert [c.id for c in api.channels] == [
        "chat",
        "reliable_chat",
        "notifications",
        "analytics",
        "system",
        "background_jobs",
        "room_chat",
    ]
    room = channel(api, "room_chat")
    assert room.sends == ("PingMessage", "RoomChatMessage")
    assert dict(room.replies)["RoomChatMessage"] == ("RoomNotificationMessage",)
    status = next(f for f in _model(api, "RoomMessagePayload").fields if f.name == "status")
    assert status.type == TypeRef("literal", literals=("PENDING", "DELIVERED", "FAILED"))
    assert (status.has_default, status.default) == (True, "PENDING")
    assert api.message("JobStatusMessage").payload == TypeRef("map", item=TypeRef("any"))


def test_chat_example_document_builds_with_its_topic(tmp_path: Path) -> None:
    api = build_api(load_document(str(chat_example_document(tmp_path / "chat.json"))))
    hub = channel(api, "hub")
    [room] = [topic for topic in hub.topics if topic.pattern == "room:{name}"]
    [rooms] = [topic for topic in hub.topics if topic.pattern == "rooms"]  # the live list
    assert [p.identifier for p in room.parameters] == ["name"]
    assert rooms.parameters == ()
    # PublicRoomList__PublicRoomListCreated; RoomTopic__RoomMessage keeps its topic's name
    assert {"PublicRoomListCreated", "PublicRoomListRoomListMessage"} <= set(rooms.receives)
    assert not [name for name in rooms.receives if name.startswith("PublicRoomListPublic")]
    assert "RoomTopicRoomMessage" in room.receives
    assert "hub_room" not in [c.id for c in api.channels]
    assert channel(api, "chat").parameters[0].name == "room"


def test_same_document_gives_the_same_ir(topics_document: dict[str, Any]) -> None:
    assert build_api(copy.deepcopy(topics_document)) == build_api(topics_document)


def _with_messages(*keys: str) -> dict[str, Any]:
    frame = {
        "type": "object",
        "properties": {"action": {"const": "x"}, "payload": {"type": "string"}},
    }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "T", "version": "1"},
        "channels": {
            "c": {
                "address": "/ws/",
                "messages": {k: {"$ref": f"#/components/messages/{k}"} for k in keys},
            }
        },
        "operations": {
            "o": {
                "action": "send",
                "channel": {"$ref": "#/channels/c"},
                "messages": [{"$ref": f"#/channels/c/messages/{k}"} for k in keys],
            }
        },
        "components": {"messages": {k: {"payload": frame} for k in keys}},
    }


def test_names_that_become_the_same_identifier_are_refused_naming_both() -> None:
    with pytest.raises(DocumentError) as caught:
        build_api(_with_messages("chat_message", "ChatMessage"))
    assert str(caught.value) == (
        "identifier collision: message #/components/messages/chat_message and message "
        "#/components/messages/ChatMessage both become the class 'ChatMessage'; rename one of them"
    )


def test_a_model_and_a_message_of_the_same_name_are_refused() -> None:
    document = _with_messages("Note")
    document["components"]["schemas"] = {
        "Note": {"type": "object", "properties": {"text": {"type": "string"}}}
    }
    frame = document["components"]["messages"]["Note"]["payload"]
    frame["properties"]["payload"] = {"$ref": "#/components/schemas/Note"}
    with pytest.raises(DocumentError, match=r"schema #/components/schemas/Note and message"):
        build_api(document)


def test_channels_that_become_the_same_module_are_refused() -> None:
    document = json.loads(json.dumps(_with_messages("A")))
    document["channels"]["chat-room"] = document["channels"]["c"]
    document["channels"]["chatRoom"] = document["channels"]["c"]
    with pytest.raises(DocumentError, match="channel 'chat-room' and channel 'chatRoom'"):
        build_api(document)


def test_a_message_without_action_is_refused() -> None:
    document = _with_messages("A")
    del document["components"]["messages"]["A"]["payload"]["properties"]["action"]
    with pytest.raises(DocumentError, match=r"message #/components/messages/A has no 'action'"):
        build_api(document)


def test_a_topic_on_an_unknown_consumer_is_refused(topics_document: dict[str, Any]) -> None:
    document = copy.deepcopy(topics_document)
    document["channels"]["hubRoomTopic"]["x-topic"]["consumer"] = "nowhere"
    with pytest.raises(DocumentError, match="names consumer 'nowhere' in x-topic"):
        build_api(document)


def _with_topic_messages(*keys: str, plain: tuple[str, ...] = ()) -> dict[str, Any]:
    """A ``hub`` consumer with the topic ``rooms`` pushing ``keys``, and ``plain`` on the hub."""
    document = _with_messages(*keys, *plain)
    document["channels"] = {
        "hub": {
            "address": "/ws/hub/",
            "messages": {k: {"$ref": f"#/components/messages/{k}"} for k in plain},
        },
        "hub_rooms": {
            "address": "/ws/hub/",
            "x-topic": {"pattern": "rooms", "parameters": {}, "consumer": "hub"},
            "messages": {k: {"$ref": f"#/components/messages/{k}"} for k in keys},
        },
    }
    document["operations"] = {
        "topicPushes": {
            "action": "send",
            "channel": {"$ref": "#/channels/hub_rooms"},
            "messages": [{"$ref": f"#/channels/hub_rooms/messages/{k}"} for k in keys],
        },
        "hubPushes": {
            "action": "send",
            "channel": {"$ref": "#/channels/hub"},
            "messages": [{"$ref": f"#/channels/hub/messages/{k}"} for k in plain],
        },
    }
    return document


def test_topic_messages_do_not_repeat_their_topic_name() -> None:
    api = build_api(
        _with_topic_messages(
            "PublicRoomList__PublicRoomListCreated",
            "PublicRoomList__RoomListMessage",
            "PublicRoomList__PublicRoomListing",  # "Listing" is not the word "List"
            "PublicRoomList__PublicRoomList",  # nothing would be left of the message's name
            "app__topics__PublicRoomList__PublicRoomListDeleted",  # module-qualified topic
        )
    )
    [topic] = channel(api, "hub").topics
    assert topic.receives == (
        "PublicRoomListCreated",
        "PublicRoomListRoomListMessage",
        "PublicRoomListPublicRoomListing",
        "PublicRoomListPublicRoomList",
        "AppTopicsPublicRoomListDeleted",
    )
    assert topic.parameters == ()


def test_a_topic_message_keeps_its_full_name_when_the_short_one_is_taken() -> None:
    api = build_api(
        _with_topic_messages(
            "PublicRoomList__PublicRoomListCreated", plain=("PublicRoomListCreated",)
        )
    )
    hub = channel(api, "hub")
    assert hub.receives == ("PublicRoomListCreated",)
    assert hub.topics[0].receives == ("PublicRoomListPublicRoomListCreated",)
    document = _with_topic_messages("Room__RoomNote")
    document["components"]["schemas"] = {
        "RoomNote": {"type": "object", "properties": {"text": {"type": "string"}}}
    }
    frame = document["components"]["messages"]["Room__RoomNote"]["payload"]
    frame["properties"]["payload"] = {"$ref": "#/components/schemas/RoomNote"}
    api = build_api(document)
    assert channel(api, "hub").topics[0].receives == ("RoomRoomNote",)
    assert [model.name for model in api.models] == ["RoomNote"]


def test_topic_messages_that_shorten_to_the_same_name_are_refused_naming_both() -> None:
    with pytest.raises(DocumentError) as caught:
        build_api(_with_topic_messages("Room__RoomSaid", "room__room_said"))
    assert str(caught.value) == (
        "identifier collision: message #/components/messages/Room__RoomSaid and message "
        "#/components/messages/room__room_said both become the class 'RoomSaid'; "
        "rename one of them"
    )
