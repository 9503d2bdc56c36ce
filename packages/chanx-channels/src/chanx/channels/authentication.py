"""The authenticator protocol a consumer's ``authenticator_class`` follows.

chanx.channels defines only the contract; ``chanx.drf.DjangoAuthenticator`` (the
chanx-drf distribution) implements it with Django REST framework. Any class with this
shape works, so a project can authenticate WebSockets its own way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from chanx.messages.base import BaseMessage
from chanx.messages.outgoing import AuthenticationPayload

SendMessage = Callable[[BaseMessage], Awaitable[None]]


class BaseAuthenticator:
    """Authenticates one connection when it opens.

    The consumer creates one instance per connection with its ``send_message`` and
    awaits :meth:`authenticate` once, before any client frame is handled. A 2xx
    ``status_code`` lets the connection in; anything else closes it with code
    ``4000 + status_code`` (4401, 4403, 4404, ...) after the outcome was sent to the
    client as an ``authentication`` message (when ``SEND_AUTHENTICATION_MESSAGE`` is on).
    """

    user: Any = None
    """The authenticated user, put in ``scope["user"]`` on success."""

    obj: Any = None
    """An object the connection was authorized for, when the authenticator looks one up."""

    def __init__(self, send_message: SendMessage) -> None:
        self.send_message = send_message

    async def authenticate(self, scope: dict[str, Any]) -> AuthenticationPayload:
        """Decide whether the connection described by ``scope`` may proceed."""
        raise NotImplementedError


def is_success(outcome: AuthenticationPayload) -> bool:
    """Whether an authentication outcome admits the connection (a 2xx status)."""
    return 200 <= outcome.status_code < 300


__all__ = ["BaseAuthenticator", "SendMessage", "is_success"]
