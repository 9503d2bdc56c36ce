"""Channel and operation ids: identifiers in every common language, stable, upstream's scheme."""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chanx.asyncapi.generator import WebSocketRoute, generate_document
from chanx.asyncapi.naming import identifier
from chanx.core.consumer import ChanxWebsocketConsumerMixin
from chanx.core.decorators import channel, event_handler, ws_handler
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage
from tests.asyncapi import consumers
from tests.asyncapi.messages import ChatPosted, SendChat, SystemNotice

Validate = Callable[[dict[str, Any]], None]

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Reserved words of the languages clients are generated in, written out here rather than
# taken from the implementation so the test can catch a word it forgot.
_OTHER_LANGUAGES = [
    # JavaScript / TypeScript
    """await break case catch class const continue debugger default delete do else enum
    export extends false finally for function if implements import in instanceof interface
    let new null package private protected public return static super switch this throw
    true try typeof var void while with yield""",
    # Java
    """abstract assert boolean break byte case catch char class const continue default do
    double else enum extends false final finally float for goto if implements import
    instanceof int interface long native new null package private protected public return
    short static strictfp super switch synchronized this throw throws transient true try
    void volatile while""",
    # Go
    """break case chan const continue default defer else fallthrough for func go goto if
    import interface map package range return select struct switch type var""",
]
RESERVED = set(keyword.kwlist) | {word for words in _OTHER_LANGUAGES for word in words.split()}


def generate(*routes: WebSocketRoute, **options: Any) -> dict[str, Any]:
    return generate_document(list(routes), **options).to_dict()


def ids_of(doc: dict[str, Any]) -> list[str]:
    return [*doc["channels"], *doc["operations"]]


class ChatDetailConsumer(ChanxWebsocketConsumerMixin):
    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()

    @event_handler
    async def relay_notice(self, event: SystemNotice) -> ChatPosted:
        raise NotImplementedError


@channel(name="user_registration_channel")
class UserRegistrationConsumer(ChanxWebsocketConsumerMixin):
    @ws_handler
    async def handle_user_registration(self, message: SendChat) -> ChatPosted:
        return ChatPosted(payload=message.payload)


class HTTPStatusConsumer(ChanxWebsocketConsumerMixin):
    @ws_handler
    async def handlePing(self, message: PingMessage) -> PongMessage:
        return PongMessage()


class DefaultConsumer(ChanxWebsocketConsumerMixin):
    """Named after a reserved word once its suffix is gone."""


def test_channel_is_the_class_name_without_consumer_in_lower_camel_case(
    assert_valid: Validate,
) -> None:
    doc = generate(WebSocketRoute("/ws/chat/{room}/", ChatDetailConsumer))
    assert_valid(doc)
    assert list(doc["channels"]) == ["chatDetail"]
    assert doc["operations"]["chatDetailHandlePing"]["channel"] == {"$ref": "#/channels/chatDetail"}
    assert doc["operations"]["chatDetailRelayNotice"]["action"] == "send"
    assert doc["operations"]["chatDetailSendErrorMessage"]["messages"] == [
        {"$ref": "#/channels/chatDetail/messages/ErrorMessage"}
    ]


def test_channel_decorator_name_becomes_the_channel_id_in_lower_camel_case() -> None:
    doc = generate(
        WebSocketRoute("/ws/register/", UserRegistrationConsumer),
        WebSocketRoute("/ws/chat/", consumers.ChatConsumer),
    )
    assert list(doc["channels"]) == ["userRegistrationChannel", "chatRoom"]
    assert "userRegistrationChannelHandleUserRegistration" in doc["operations"]
    # The human-readable name stays the channel's title.
    assert doc["channels"]["chatRoom"]["title"] == "chat room"


def test_ids_match_upstream_camelized_names() -> None:
    humps = pytest.importorskip("humps", reason="pyhumps gives upstream's camelCase")
    doc = generate(
        WebSocketRoute("/a/", ChatDetailConsumer),
        WebSocketRoute("/b/", UserRegistrationConsumer),
        WebSocketRoute("/c/", HTTPStatusConsumer),
    )
    routes = [
        (ChatDetailConsumer, humps.decamelize("ChatDetail")),
        (UserRegistrationConsumer, "user_registration_channel"),
        (HTTPStatusConsumer, humps.decamelize("HTTPStatus")),
    ]
    for consumer, upstream_channel in routes:
        channel_id = humps.camelize(upstream_channel)
        assert channel_id in doc["channels"]
        for handler in consumer.__chanx_spec__.handlers:
            # Upstream qualifies a handler with its channel when names collide; here always.
            upstream_operation = humps.camelize(
                f"{upstream_channel}_{humps.decamelize(handler.name)}"
            )
            assert upstream_operation in doc["operations"], upstream_operation


def test_every_id_is_an_identifier_in_python_typescript_java_and_go(
    assert_valid: Validate,
) -> None:
    @channel(name="2fa codes")
    class TwoFactor(ChanxWebsocketConsumerMixin):
        @ws_handler
        async def handle_ping(self, message: PingMessage) -> PongMessage:
            return PongMessage()

    @channel(name="salón")
    class Room(ChanxWebsocketConsumerMixin):
        pass

    @channel(name="聊天")
    class Chat(ChanxWebsocketConsumerMixin):
        pass

    doc = generate(
        WebSocketRoute("/ws/chat/{room_name}/", consumers.ChatConsumer),
        WebSocketRoute("/ws/shop/{order_id}/", consumers.ShopConsumer),
        WebSocketRoute("/ws/2fa/", TwoFactor),
        WebSocketRoute("/ws/salon/", Room),
        WebSocketRoute("/ws/chat-cn/", Chat),
        WebSocketRoute("/ws/default/", DefaultConsumer),
        WebSocketRoute("/ws/http/", HTTPStatusConsumer),
    )
    assert_valid(doc)
    assert list(doc["channels"]) == [
        "chatRoom",
        "shop",
        "_2faCodes",
        "salon",
        "channel",
        "default_",
        "httpStatus",
    ]
    for name in ids_of(doc):
        assert IDENTIFIER.fullmatch(name), name
        assert name not in RESERVED, name


@given(st.text(max_size=40))
def test_identifier_of_any_text_is_a_valid_unreserved_identifier(text: str) -> None:
    name = identifier(text, fallback="channel")
    assert IDENTIFIER.fullmatch(name), (text, name)
    assert name not in RESERVED, (text, name)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ChatDetail", "chatDetail"),
        ("chat room", "chatRoom"),
        ("user_notifications", "userNotifications"),
        ("HTTPServer", "httpServer"),
        ("HTTP2Server", "http2Server"),
        ("Room2Chat", "room2Chat"),
        ("place-order.v2", "placeOrderV2"),
        ("2fa", "_2fa"),
        ("import", "import_"),
        ("type", "type_"),
        ("crème brûlée", "cremeBrulee"),
        ("", "channel"),
        ("---", "channel"),
    ],
)
def test_identifier_examples(text: str, expected: str) -> None:
    assert identifier(text, fallback="channel") == expected


def test_first_route_keeps_its_id_and_a_later_one_is_told_apart_by_its_address() -> None:
    class ChatDetail(ChanxWebsocketConsumerMixin):
        """Another consumer whose id would be chatDetail."""

    doc = generate(
        WebSocketRoute("/ws/chat/{room}/", ChatDetailConsumer),
        WebSocketRoute("/ws/chat-v2/{room}/", ChatDetail),
        WebSocketRoute("/legacy/chat/{room}/", ChatDetailConsumer),
    )
    assert list(doc["channels"]) == [
        "chatDetail",
        "chatDetailWsChatV2Room",
        "chatDetailLegacyChatRoom",
    ]
    assert doc["channels"]["chatDetailLegacyChatRoom"]["address"] == "/legacy/chat/{room}/"
    assert {"chatDetailHandlePing", "chatDetailLegacyChatRoomHandlePing"} <= set(doc["operations"])


def test_ids_still_taken_after_the_address_get_the_smallest_free_number() -> None:
    class Quiet(ChanxWebsocketConsumerMixin):
        pass

    class QuietConsumer(ChanxWebsocketConsumerMixin):
        pass

    doc = generate(
        WebSocketRoute("/a-b/", Quiet),
        WebSocketRoute("/a-b/", QuietConsumer),
        WebSocketRoute("/a_b/", Quiet),
    )
    assert list(doc["channels"]) == ["quiet", "quietAB", "quietAB2"]
    assert [channel["address"] for channel in doc["channels"].values()] == [
        "/a-b/",
        "/a-b/",
        "/a_b/",
    ]


def test_handlers_spelling_one_id_get_numbered_operation_ids(assert_valid: Validate) -> None:
    class Twins(ChanxWebsocketConsumerMixin):
        @ws_handler
        async def handle_ping(self, message: PingMessage) -> PongMessage:
            return PongMessage()

        @ws_handler
        async def handlePing(self, message: SendChat) -> None:
            return None

    doc = generate(WebSocketRoute("/twins/", Twins))
    assert_valid(doc)
    receive = {key: op for key, op in doc["operations"].items() if op["action"] == "receive"}
    assert receive["twinsHandlePing"]["messages"] == [
        {"$ref": "#/channels/twins/messages/PingMessage"}
    ]
    assert receive["twinsHandlePing2"]["messages"] == [
        {"$ref": "#/channels/twins/messages/SendChat"}
    ]


def test_ids_do_not_depend_on_wire_settings() -> None:
    routes = [
        WebSocketRoute("/ws/chat/{room_name}/", consumers.ChatConsumer),
        WebSocketRoute("/ws/detail/", ChatDetailConsumer),
    ]
    plain = generate(*routes)
    for options in ({"camelize": True}, {"action_key": "type"}):
        assert ids_of(generate(*routes, **options)) == ids_of(plain)


def test_a_route_added_after_does_not_rename_existing_ids() -> None:
    before = generate(WebSocketRoute("/ws/chat/{room}/", ChatDetailConsumer))
    after = generate(
        WebSocketRoute("/ws/chat/{room}/", ChatDetailConsumer),
        WebSocketRoute("/legacy/chat/{room}/", ChatDetailConsumer),
        WebSocketRoute("/ws/chat-room/", consumers.ChatConsumer),
    )
    assert set(ids_of(before)) <= set(ids_of(after))


def test_the_same_consumer_twice_at_one_address_is_refused() -> None:
    with pytest.raises(ValueError, match=r"/ws/chat/ \(ChatDetailConsumer\).*documented twice"):
        generate(
            WebSocketRoute("/ws/chat/", ChatDetailConsumer),
            WebSocketRoute("/ws/chat/", ChatDetailConsumer),
        )
