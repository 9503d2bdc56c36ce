"""A multiplexed route in the AsyncAPI document: one channel per stream, x-chanx-multiplex."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from chanx.asyncapi.discovery import ChannelsRouteDiscovery
from chanx.asyncapi.generator import WebSocketRoute, generate_document
from tests.project.multiplex import ProjectDemultiplexer, RenamedEnvelopeDemultiplexer
from tests.project.routing import router

Validate = Callable[[dict[str, Any]], None]

ADDRESS = "/ws/multiplex/{room}/"
DEFAULT_ENVELOPE = {
    "consumerField": "consumer",
    "messageField": "message",
    "versionField": "version",
    "version": 1,
}


def generate(*routes: WebSocketRoute, **options: Any) -> dict[str, Any]:
    return generate_document(list(routes), **options).to_dict()


def messages_of(document: dict[str, Any], channel: str) -> set[str]:
    return {
        document["components"]["messages"][ref["$ref"].rsplit("/", 1)[1]]["name"]
        for ref in document["channels"][channel]["messages"].values()
    }


@pytest.fixture
def document(assert_valid: Validate) -> dict[str, Any]:
    generated = generate(WebSocketRoute(ADDRESS, ProjectDemultiplexer), send_completion=True)
    assert_valid(generated)
    return generated


def test_each_stream_is_a_channel_named_after_the_demultiplexer_and_key(
    document: dict[str, Any],
) -> None:
    channels = document["channels"]
    assert list(channels) == [
        "projectDemultiplexer",
        "projectDemultiplexer_chat",
        "projectDemultiplexer_news",
        "projectDemultiplexer_admin",
    ]
    assert {channel["address"] for channel in channels.values()} == {ADDRESS}
    assert all("room" in channel["parameters"] for channel in channels.values())


def test_every_channel_says_how_to_address_it(document: dict[str, Any]) -> None:
    channels = document["channels"]
    assert channels["projectDemultiplexer"]["x-chanx-multiplex"] == DEFAULT_ENVELOPE
    for key in ("chat", "news", "admin"):
        extension = channels[f"projectDemultiplexer_{key}"]["x-chanx-multiplex"]
        assert extension == {**DEFAULT_ENVELOPE, "consumerKey": key}


def test_demultiplexer_channel_has_the_handshake_its_errors_and_own_handlers(
    document: dict[str, Any],
) -> None:
    assert messages_of(document, "projectDemultiplexer") == {
        "ping",
        "pong",
        "multiplex_ready",
        "error",
        "complete",
        "group_complete",
    }
    operations = document["operations"]
    assert "projectDemultiplexerHandlePing" in operations
    assert any(
        op["channel"]["$ref"] == "#/channels/projectDemultiplexer"
        and op["action"] == "send"
        and op["messages"][0]["$ref"].endswith("MultiplexReadyMessage")
        for op in operations.values()
    )


def test_stream_channels_document_the_inner_messages_of_their_consumer(
    document: dict[str, Any],
) -> None:
    chat = messages_of(document, "projectDemultiplexer_chat")
    assert {"echo", "echo_reply", "shout", "shout_notice", "slow", "crash"} <= chat
    assert "multiplex_ready" not in chat
    assert "notification" in messages_of(document, "projectDemultiplexer_news")
    assert "notification" not in chat
    assert "authentication" in messages_of(document, "projectDemultiplexer_admin")
    assert "projectDemultiplexer_chatHandleEcho" in document["operations"]


def test_renamed_envelope_fields_are_documented_verbatim(assert_valid: Validate) -> None:
    document = generate(WebSocketRoute("/ws/renamed/", RenamedEnvelopeDemultiplexer), camelize=True)
    assert_valid(document)
    assert document["channels"]["renamedEnvelopeDemultiplexer_chat"]["x-chanx-multiplex"] == {
        "consumerField": "stream",
        "messageField": "data",
        "versionField": "envelope_version",
        "version": 3,
        "consumerKey": "chat",
    }


def test_multiplexed_route_is_found_in_the_project_routing(assert_valid: Validate) -> None:
    routes = ChannelsRouteDiscovery(router).discover()
    document = generate(*routes)
    assert_valid(document)
    streams = [
        channel_id
        for channel_id, channel in document["channels"].items()
        if channel.get("x-chanx-multiplex", {}).get("consumerKey")
    ]
    assert streams == [
        "projectDemultiplexer_chat",
        "projectDemultiplexer_news",
        "projectDemultiplexer_admin",
        "renamedEnvelopeDemultiplexer_chat",
    ]
    # Plain routes are documented as before.
    assert document["channels"]["echo"]["address"] == "/ws/echo/"
    assert "x-chanx-multiplex" not in document["channels"]["echo"]
