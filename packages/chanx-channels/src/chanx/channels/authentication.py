"""The authenticator protocol a consumer's ``authenticator_class`` follows.

chanx.channels defines only the contract; ``chanx.drf.DjangoAuthenticator`` (the
chanx-drf distribution) implements it with Django REST framework. Any class with this
shape works, so a project can authenticate WebSockets its own way.
"""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable
from http.client import responses
from typing import Any

from chanx.messages.base import BaseMessage
from chanx.messages.outgoing import AuthenticationPayload

SendMessage = Callable[[BaseMessage], Awaitable[None]]


class BaseAuthenticator:
    """Authenticates one connection when it opens.

    The consumer creates one instance per connection with its ``send_message`` and
    awaits :meth:`authenticate` once, before any client frame is handled.
    ``authenticate`` returns True to admit the connection and False to refuse it, and
    keeps the outcome on the authenticator: :attr:`outcome` (also readable as
    :attr:`status_code`, :attr:`status_text` and :attr:`data`), :attr:`user` and
    :attr:`obj`. The consumer sends :attr:`outcome` to the client as the
    ``authentication`` message (when ``SEND_AUTHENTICATION_MESSAGE`` is on), puts
    :attr:`user` in ``scope["user"]`` on success, and closes a refused connection with
    ``4000 + status_code`` (4401, 4403, 4404, ...).

    A custom authenticator decides and records the outcome in one step with
    :meth:`admit` and :meth:`refuse`::

        class ApiKeyAuthenticator(BaseAuthenticator):
            async def authenticate(self, scope: dict[str, Any]) -> bool:
                key = dict(scope["headers"]).get(b"x-api-key", b"").decode()
                if key not in API_KEYS:
                    return self.refuse(403, {"detail": "Unknown API key."})
                self.user = API_KEYS[key]
                return self.admit()

    Setting :attr:`outcome` directly works too; returning True or False without one
    sends ``200 OK`` or ``403 Forbidden``. The returned decision and a set outcome must
    agree (a 2xx status admits): a disagreement is a bug, and the connection is refused
    with 500.
    """

    user: Any = None
    """The authenticated user, put in ``scope["user"]`` on success."""

    obj: Any = None
    """An object the connection was authorized for, when the authenticator looks one up."""

    outcome: AuthenticationPayload | None = None
    """The outcome of :meth:`authenticate`, sent to the client as the ``authentication``
    message; None until it decided."""

    def __init__(self, send_message: SendMessage) -> None:
        self.send_message = send_message

    async def authenticate(self, scope: dict[str, Any]) -> bool:
        """Decide whether the connection described by ``scope`` may proceed.

        Return True to admit it, False to refuse it; record the outcome on the
        authenticator (:meth:`admit`, :meth:`refuse`, or :attr:`outcome`).
        """
        raise NotImplementedError

    @property
    def status_code(self) -> int | None:
        """The HTTP-like status of the outcome (200, 401, 403...); None before it decided."""
        return None if self.outcome is None else self.outcome.status_code

    @property
    def status_text(self) -> str | None:
        """The reason phrase of :attr:`status_code` (``"Forbidden"``); None before it decided."""
        return None if self.outcome is None else self.outcome.status_text

    @property
    def data(self) -> Any:
        """The detail sent with the outcome (``{"detail": "..."}``); None when there is none."""
        return None if self.outcome is None else self.outcome.data

    def admit(self, data: Any = None, *, status_code: int = 200) -> bool:
        """Record a successful outcome (``status_code``, 2xx) with ``data``; return True."""
        if not 200 <= status_code < 300:
            raise ValueError(
                f"{type(self).__qualname__}.admit(status_code={status_code}): a connection is "
                "admitted with a 2xx status; use refuse() to refuse it."
            )
        self.outcome = _payload(status_code, data)
        return True

    def refuse(self, status_code: int, data: Any = None) -> bool:
        """Record a refusal with ``status_code`` (401, 403...) and ``data``; return False.

        The connection is closed with ``4000 + status_code``.
        """
        if 200 <= status_code < 300:
            raise ValueError(
                f"{type(self).__qualname__}.refuse({status_code}): a 2xx status admits the "
                "connection; refuse with 401, 403, 404... or use admit()."
            )
        self.outcome = _payload(status_code, data)
        return False


def is_success(outcome: AuthenticationPayload) -> bool:
    """Whether an authentication outcome admits the connection (a 2xx status)."""
    return 200 <= outcome.status_code < 300


def settle(authenticator: BaseAuthenticator, decision: object) -> bool:
    """The decision ``authenticator.authenticate()`` returned, with its outcome recorded.

    Fills in :attr:`~BaseAuthenticator.outcome` when the authenticator left it unset
    (``200 OK`` for True, ``403 Forbidden`` for False), so the consumer always has one to
    send. Raises ``TypeError`` when the decision is not a bool and ``ValueError`` when it
    contradicts the outcome's status, naming the authenticator and the fix.

    An ``AuthenticationPayload`` returned instead of a bool (the contract before
    authenticators returned a decision) still works: it becomes the outcome, its status
    the decision, with a ``DeprecationWarning``.
    """
    owner = type(authenticator).__qualname__
    if isinstance(decision, AuthenticationPayload):
        warnings.warn(
            f"{owner}.authenticate() returned an AuthenticationPayload: return True or "
            "False and record the outcome with self.admit() / self.refuse() (or set "
            "self.outcome).",
            DeprecationWarning,
            stacklevel=2,
        )
        authenticator.outcome = decision
        return is_success(decision)
    if not isinstance(decision, bool):
        raise TypeError(
            f"{owner}.authenticate() returned {decision!r}: it must return True (admit) or "
            "False (refuse)."
        )
    outcome = authenticator.outcome
    if outcome is None:
        authenticator.outcome = _payload(200 if decision else 403, None)
    elif is_success(outcome) != decision:
        raise ValueError(
            f"{owner}.authenticate() returned {decision} with an outcome of "
            f"{outcome.status_code} {outcome.status_text}: a 2xx outcome admits, any other "
            "refuses. Return self.admit() or self.refuse(status_code) to keep them together."
        )
    return decision


def _payload(status_code: int, data: Any) -> AuthenticationPayload:
    return AuthenticationPayload(
        status_code=status_code, status_text=responses.get(status_code, ""), data=data
    )


__all__ = ["BaseAuthenticator", "SendMessage", "is_success", "settle"]
