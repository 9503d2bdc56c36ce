"""DRF authentication classes described as AsyncAPI security schemes.

:meth:`chanx.drf.DjangoAuthenticator.asyncapi_security` answers chanx-asyncapi's question
"how does a client of this consumer authenticate?" with :func:`security_schemes`. The
answer is plain data (AsyncAPI 3.0 Security Scheme Objects), so chanx-drf does not depend
on chanx-asyncapi. The known DRF classes, subclasses included, map to:

* ``SessionAuthentication`` → ``cookieAuth``: the session cookie
  (``settings.SESSION_COOKIE_NAME``, ``sessionid`` by default), sent by the browser with
  the handshake;
* ``TokenAuthentication`` → ``tokenAuth``: the ``Authorization`` header with the class's
  ``keyword`` (``Authorization: Token <key>``);
* ``BasicAuthentication`` → ``basicAuth``: HTTP Basic.

Any other class becomes a generic scheme named after it, so the list of alternatives a
client may use stays complete.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from rest_framework.authentication import (
    BaseAuthentication,
    BasicAuthentication,
    SessionAuthentication,
    TokenAuthentication,
)


def security_schemes(
    authentication_classes: Iterable[type[BaseAuthentication]],
) -> dict[str, dict[str, Any]]:
    """Scheme name → AsyncAPI security scheme object, one per class, in the classes' order.

    A name already taken by a different scheme (two token classes with different keywords)
    falls back to the class's name.
    """
    schemes: dict[str, dict[str, Any]] = {}
    for cls in authentication_classes:
        name, scheme = _describe(cls)
        if schemes.get(name, scheme) != scheme:
            name = cls.__name__
        schemes.setdefault(name, scheme)
    return schemes


def _describe(cls: type[BaseAuthentication]) -> tuple[str, dict[str, Any]]:
    if issubclass(cls, SessionAuthentication):
        cookie = settings.SESSION_COOKIE_NAME
        return "cookieAuth", {
            "type": "httpApiKey",
            "in": "cookie",
            "name": cookie,
            "description": (
                f"Django's session cookie (`{cookie}`), set by logging in; a browser sends it "
                "with the WebSocket handshake of a same-site page."
            ),
        }
    if issubclass(cls, TokenAuthentication):
        keyword = cls.keyword
        return "tokenAuth", {
            "type": "httpApiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                f"A REST framework token in the handshake's header: `Authorization: {keyword} "
                "<key>`. Browsers cannot set headers on a WebSocket; other clients can."
            ),
        }
    if issubclass(cls, BasicAuthentication):
        return "basicAuth", {
            "type": "http",
            "scheme": "basic",
            "description": "HTTP Basic credentials in the handshake's `Authorization` header.",
        }
    return cls.__name__, {
        "type": "userPassword",
        "description": (
            f"Credentials checked by `{cls.__module__}.{cls.__qualname__}` (a Django REST "
            "framework authentication class) on the WebSocket handshake."
        ),
    }


__all__ = ["security_schemes"]
