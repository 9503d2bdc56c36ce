"""How a consumer's clients authenticate, as AsyncAPI security schemes.

A consumer with an ``authenticator_class`` refuses connections whose credentials do not
pass. Its authenticator says how a client presents them with an optional
``asyncapi_security`` classmethod (or class attribute) returning scheme name → AsyncAPI
Security Scheme Object, as plain data, so an authenticator's package never imports this
one::

    class ApiKeyAuthenticator(BaseAuthenticator):
        @classmethod
        def asyncapi_security(cls) -> dict[str, dict[str, str]]:
            return {"apiKey": {"type": "httpApiKey", "name": "X-Api-Key", "in": "header"}}

The schemes are alternatives: a client satisfies one of them. ``{}`` declares that the
connection needs no credentials (the document then gives it no ``security``). An
authenticator without the hook gets one generic scheme, named after its class, that says
the connection is authenticated when it opens and how a refusal closes it.
``chanx.drf.DjangoAuthenticator`` implements the hook from its DRF
``authentication_classes``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from pydantic import ValidationError

from chanx.asyncapi.models import SecurityScheme

SECURITY_HOOK: Final = "asyncapi_security"
"""The authenticator attribute that declares its security schemes."""

_NAME = re.compile(r"^[\w.\-]+$", re.ASCII)

_GENERIC = (
    "The server authenticates the connection when it opens ({authenticator}). A refused "
    "connection is closed with 4000 + the HTTP-like status of the refusal: 4401 when the "
    "client is not authenticated, 4403 when it is not allowed."
)


def consumer_security(consumer: type) -> dict[str, SecurityScheme]:
    """The security schemes of ``consumer``'s clients, by name; empty without an authenticator.

    Raises ``TypeError`` or ``ValueError``, naming the authenticator, when its declaration
    is not a mapping of valid names to valid security scheme objects.
    """
    authenticator = getattr(consumer, "authenticator_class", None)
    if authenticator is None:
        return {}
    owner = getattr(authenticator, "__qualname__", repr(authenticator))
    hook = getattr(authenticator, SECURITY_HOOK, None)
    if hook is None:
        name = getattr(authenticator, "__name__", "authenticator")
        return {
            name: SecurityScheme(
                type="userPassword", description=_GENERIC.format(authenticator=f"`{owner}`")
            )
        }
    declared = hook() if callable(hook) else hook
    if not isinstance(declared, Mapping):
        raise TypeError(
            f"{owner}.{SECURITY_HOOK} gave {declared!r}: it must be a mapping of scheme names "
            'to AsyncAPI security scheme objects, e.g. {"tokenAuth": {"type": "httpApiKey", '
            '"name": "Authorization", "in": "header"}}.'
        )
    return {name: _scheme(owner, name, value) for name, value in declared.items()}


def _scheme(owner: str, name: object, value: Any) -> SecurityScheme:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(
            f"{owner}.{SECURITY_HOOK}: {name!r} is not a valid security scheme name; use "
            "letters, digits, '.', '-' and '_' only."
        )
    try:
        return SecurityScheme.model_validate(value)
    except ValidationError as exc:
        problems = "; ".join(error["msg"] for error in exc.errors())
        raise ValueError(
            f"{owner}.{SECURITY_HOOK}: scheme {name!r} is not an AsyncAPI 3.0 security scheme "
            f"object ({problems})."
        ) from exc


__all__ = ["SECURITY_HOOK", "consumer_security"]
