"""The HTTP request DRF sees is the WebSocket handshake, method aside."""

from __future__ import annotations

from chanx.drf.request import build_http_request


def test_handshake_scope_becomes_an_http_request_with_the_emulated_method() -> None:
    scope = {
        "type": "websocket",
        "scheme": "wss",
        "path": "/ws/rooms/general/",
        "query_string": b"room=general&x=1",
        "client": ("203.0.113.9", 50000),
        "server": ("chat.example", 443),
        "headers": [
            (b"host", b"chat.example"),
            (b"authorization", b"Token abc"),
            (b"cookie", b"sessionid=s1; csrftoken=c1"),
            (b"accept", b"text/html"),
            (b"sec-websocket-key", b"dGhlIHNhbXBsZSBub25jZQ=="),
        ],
        "user": "the scope user",
    }
    request = build_http_request(scope, "post")
    assert request.method == "POST"
    assert request.path == "/ws/rooms/general/"
    assert request.GET["room"] == "general"
    assert request.META["REMOTE_ADDR"] == "203.0.113.9"
    assert request.META["HTTP_AUTHORIZATION"] == "Token abc"
    assert request.COOKIES == {"sessionid": "s1", "csrftoken": "c1"}
    assert request.is_secure()
    assert "HTTP_ACCEPT" not in request.META
    assert "HTTP_SEC_WEBSOCKET_KEY" not in request.META
    assert request.user == "the scope user"  # type: ignore[comparison-overlap]
    assert request.body == b""
