"""``DjangoAuthenticator.asyncapi_security``: DRF authentication classes in AsyncAPI documents."""

from __future__ import annotations

from typing import Any

from django.test import override_settings
from rest_framework.authentication import (
    BasicAuthentication,
    SessionAuthentication,
    TokenAuthentication,
)
from rest_framework.permissions import IsAuthenticated

from chanx.asyncapi.generator import WebSocketRoute, generate_document
from chanx.asyncapi.validation import validation_errors
from chanx.drf import DjangoAuthenticator
from tests.drf import authenticators as auth
from tests.drf.consumers import ProbeConsumer

SESSION = {
    "type": "httpApiKey",
    "in": "cookie",
    "name": "sessionid",
    "description": (
        "Django's session cookie (`sessionid`), set by logging in; a browser sends it with "
        "the WebSocket handshake of a same-site page."
    ),
}
TOKEN = {
    "type": "httpApiKey",
    "in": "header",
    "name": "Authorization",
    "description": (
        "A REST framework token in the handshake's header: `Authorization: Token <key>`. "
        "Browsers cannot set headers on a WebSocket; other clients can."
    ),
}


class SessionOrTokenAuthenticator(DjangoAuthenticator):
    authentication_classes = [SessionAuthentication, TokenAuthentication]
    permission_classes = [IsAuthenticated]


class BearerTokenAuthentication(TokenAuthentication):
    keyword = "Bearer"


def _consumer(authenticator: type[DjangoAuthenticator] | None, name: str) -> type:
    return type(name, (ProbeConsumer,), {"authenticator_class": authenticator})


def _document(*routes: WebSocketRoute) -> dict[str, Any]:
    doc = generate_document(list(routes)).to_dict()
    errors = validation_errors(doc)
    assert not errors, "\n".join(errors)
    return doc


def _operations_of(doc: dict[str, Any], channel: str) -> list[dict[str, Any]]:
    ref = {"$ref": f"#/channels/{channel}"}
    return [op for op in doc["operations"].values() if op["channel"] == ref]


def test_session_and_token_authentication_are_both_documented_and_referenced() -> None:
    doc = _document(
        WebSocketRoute("/ws/rooms/", _consumer(SessionOrTokenAuthenticator, "RoomsConsumer")),
        WebSocketRoute("/ws/open/", _consumer(None, "OpenConsumer")),
    )
    assert doc["components"]["securitySchemes"] == {"cookieAuth": SESSION, "tokenAuth": TOKEN}
    rooms = _operations_of(doc, "rooms")
    assert {op["action"] for op in rooms} == {"send", "receive"}
    for operation in rooms:
        assert operation["security"] == [
            {"$ref": "#/components/securitySchemes/cookieAuth"},
            {"$ref": "#/components/securitySchemes/tokenAuth"},
        ]
    open_operations = _operations_of(doc, "open")
    assert open_operations
    assert all("security" not in op for op in open_operations)


def test_session_cookie_name_follows_the_setting() -> None:
    with override_settings(SESSION_COOKIE_NAME="chat_session"):
        schemes = SessionOrTokenAuthenticator.asyncapi_security()
    assert schemes["cookieAuth"]["name"] == "chat_session"
    assert "`chat_session`" in schemes["cookieAuth"]["description"]


def test_authenticator_without_classes_documents_the_default_authentication_classes() -> None:
    # The test project keeps DRF's DEFAULT_AUTHENTICATION_CLASSES: session, then basic.
    assert list(auth.SessionAuthenticator.asyncapi_security()) == ["cookieAuth", "basicAuth"]


def test_token_keyword_basic_auth_and_unknown_classes_are_described() -> None:
    class MixedAuthenticator(DjangoAuthenticator):
        authentication_classes = [
            BearerTokenAuthentication,
            BasicAuthentication,
            auth.ApiKeyAuthentication,
        ]

    schemes = MixedAuthenticator.asyncapi_security()
    assert list(schemes) == ["tokenAuth", "basicAuth", "ApiKeyAuthentication"]
    assert "`Authorization: Bearer <key>`" in schemes["tokenAuth"]["description"]
    assert schemes["basicAuth"]["type"] == "http"
    assert schemes["basicAuth"]["scheme"] == "basic"
    custom = schemes["ApiKeyAuthentication"]
    assert custom["type"] == "userPassword"
    assert "tests.drf.authenticators.ApiKeyAuthentication" in custom["description"]
    _document(WebSocketRoute("/ws/mixed/", _consumer(MixedAuthenticator, "MixedConsumer")))


def test_two_token_classes_with_different_keywords_keep_both_schemes() -> None:
    class TwoTokensAuthenticator(DjangoAuthenticator):
        authentication_classes = [TokenAuthentication, BearerTokenAuthentication]

    schemes = TwoTokensAuthenticator.asyncapi_security()
    assert list(schemes) == ["tokenAuth", "BearerTokenAuthentication"]
    assert "`Authorization: Bearer <key>`" in schemes["BearerTokenAuthentication"]["description"]


def test_no_authentication_classes_means_no_security() -> None:
    class AnonymousAuthenticator(DjangoAuthenticator):
        authentication_classes = []

    doc = _document(WebSocketRoute("/ws/anon/", _consumer(AnonymousAuthenticator, "Anon")))
    assert "securitySchemes" not in doc["components"]
    assert all("security" not in op for op in doc["operations"].values())
