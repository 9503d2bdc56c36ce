"""Security schemes: how the clients of authenticated consumers present their credentials."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import pytest

from chanx.asyncapi.generator import WebSocketRoute, generate_document
from chanx.asyncapi.models import SecurityScheme
from chanx.channels.authentication import BaseAuthenticator
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import ws_handler
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage
from tests.asyncapi import consumers

Validate = Callable[[dict[str, Any]], None]

API_KEY = {"type": "httpApiKey", "name": "X-Api-Key", "in": "header"}


class ApiKeyAuthenticator(BaseAuthenticator):
    @classmethod
    def asyncapi_security(cls) -> dict[str, dict[str, Any]]:
        return {"apiKey": API_KEY, "bearer": {"type": "http", "scheme": "bearer"}}

    async def authenticate(self, scope: dict[str, Any]) -> bool:
        return self.admit()


class UndeclaredAuthenticator(BaseAuthenticator):
    async def authenticate(self, scope: dict[str, Any]) -> bool:
        return self.admit()


def _consumer(authenticator: type[BaseAuthenticator] | None, name: str = "Guarded") -> type:
    class Consumer(AsyncJsonWebsocketConsumer):
        authenticator_class = authenticator

        @ws_handler
        async def handle_ping(self, message: PingMessage) -> PongMessage:
            return PongMessage()

    Consumer.__name__ = Consumer.__qualname__ = name
    return Consumer


def _generate(*routes: WebSocketRoute) -> dict[str, Any]:
    return generate_document(list(routes)).to_dict()


def _channel_operations(doc: dict[str, Any], channel: str) -> list[dict[str, Any]]:
    ref = {"$ref": f"#/channels/{channel}"}
    return [op for op in doc["operations"].values() if op["channel"] == ref]


def test_declared_schemes_are_components_referenced_by_every_operation_of_the_channel(
    assert_valid: Validate,
) -> None:
    doc = _generate(WebSocketRoute("/ws/guarded/", _consumer(ApiKeyAuthenticator)))
    assert_valid(doc)
    assert doc["components"]["securitySchemes"] == {
        "apiKey": API_KEY,
        "bearer": {"type": "http", "scheme": "bearer"},
    }
    operations = _channel_operations(doc, "guarded")
    assert {op["action"] for op in operations} == {"send", "receive"}
    for operation in operations:
        assert operation["security"] == [
            {"$ref": "#/components/securitySchemes/apiKey"},
            {"$ref": "#/components/securitySchemes/bearer"},
        ]


def test_consumer_without_authenticator_has_no_security(assert_valid: Validate) -> None:
    doc = _generate(
        WebSocketRoute("/ws/open/", _consumer(None, "Open")),
        WebSocketRoute("/ws/guarded/", _consumer(ApiKeyAuthenticator)),
    )
    assert_valid(doc)
    assert all("security" not in op for op in _channel_operations(doc, "open"))
    plain = _generate(WebSocketRoute("/ws/notes/", consumers.NotesConsumer))
    assert "securitySchemes" not in plain["components"]
    assert all("security" not in op for op in plain["operations"].values())


def test_authenticator_declaring_no_scheme_gives_no_security() -> None:
    # consumers.AllowEveryone declares `asyncapi_security = {}` (a class attribute).
    doc = _generate(WebSocketRoute("/ws/chat/", consumers.ChatConsumer))
    assert "AuthenticationMessage" in doc["channels"]["chatRoom"]["messages"]
    assert "securitySchemes" not in doc["components"]
    assert all("security" not in op for op in doc["operations"].values())


def test_authenticator_without_declaration_gets_a_generic_scheme_with_the_close_codes(
    assert_valid: Validate,
) -> None:
    doc = _generate(WebSocketRoute("/ws/guarded/", _consumer(UndeclaredAuthenticator)))
    assert_valid(doc)
    scheme = doc["components"]["securitySchemes"]["UndeclaredAuthenticator"]
    assert scheme["type"] == "userPassword"
    assert "UndeclaredAuthenticator" in scheme["description"]
    assert "4401" in scheme["description"] and "4403" in scheme["description"]
    for operation in _channel_operations(doc, "guarded"):
        assert operation["security"] == [
            {"$ref": "#/components/securitySchemes/UndeclaredAuthenticator"}
        ]


def test_consumers_declaring_the_same_scheme_share_one_component(assert_valid: Validate) -> None:
    doc = _generate(
        WebSocketRoute("/ws/a/", _consumer(ApiKeyAuthenticator, "First")),
        WebSocketRoute("/ws/b/", _consumer(ApiKeyAuthenticator, "Second")),
    )
    assert_valid(doc)
    assert sorted(doc["components"]["securitySchemes"]) == ["apiKey", "bearer"]


def test_one_name_declared_as_two_schemes_is_refused_naming_both_consumers() -> None:
    class CookieAuthenticator(UndeclaredAuthenticator):
        asyncapi_security: ClassVar[dict[str, Any]] = {
            "apiKey": {"type": "httpApiKey", "name": "key", "in": "cookie"}
        }

    with pytest.raises(ValueError, match=r"'apiKey' is declared one way .* First .* Second"):
        _generate(
            WebSocketRoute("/ws/a/", _consumer(ApiKeyAuthenticator, "First")),
            WebSocketRoute("/ws/b/", _consumer(CookieAuthenticator, "Second")),
        )


@pytest.mark.parametrize(
    ("declared", "problem"),
    [
        ({"key": {"type": "httpApiKey", "in": "header"}}, r"needs \['name'\]"),
        ({"key": {"type": "httpApiKey", "name": "k", "in": "user"}}, "'in' one of"),
        ({"key": {"type": "http", "scheme": "basic", "bearerFormat": "JWT"}}, "bearerFormat"),
        ({"key": {"type": "userPassword", "name": "k"}}, r"does not take \['name'\]"),
        ({"key": {"type": "oauth2"}}, "not an AsyncAPI 3.0 security scheme"),
        ({"two words": {"type": "userPassword"}}, "not a valid security scheme name"),
    ],
)
def test_invalid_declaration_is_refused_naming_the_authenticator(
    declared: dict[str, Any], problem: str
) -> None:
    authenticator = type(
        "BrokenAuthenticator", (UndeclaredAuthenticator,), {"asyncapi_security": declared}
    )
    with pytest.raises(ValueError, match=f"BrokenAuthenticator.asyncapi_security.*{problem}"):
        _generate(WebSocketRoute("/ws/broken/", _consumer(authenticator)))


def test_declaration_that_is_not_a_mapping_is_refused_with_an_example() -> None:
    authenticator = type(
        "ListAuthenticator", (UndeclaredAuthenticator,), {"asyncapi_security": ["apiKey"]}
    )
    with pytest.raises(TypeError, match=r"ListAuthenticator.asyncapi_security.*mapping"):
        _generate(WebSocketRoute("/ws/broken/", _consumer(authenticator)))


def test_bearer_scheme_may_name_its_token_format(assert_valid: Validate) -> None:
    jwt = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert SecurityScheme.model_validate(jwt).model_dump(by_alias=True, exclude_none=True) == jwt
    authenticator = type(
        "JwtAuthenticator", (UndeclaredAuthenticator,), {"asyncapi_security": {"jwt": jwt}}
    )
    doc = _generate(WebSocketRoute("/ws/jwt/", _consumer(authenticator)))
    assert_valid(doc)
    assert doc["components"]["securitySchemes"] == {"jwt": jwt}
