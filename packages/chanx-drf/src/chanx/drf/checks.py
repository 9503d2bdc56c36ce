"""System check: every route of a consumer whose authenticator looks up an object
captures the keyword the lookup reads.

Without it the mistake shows only when a client connects (a 500 and a log line); with
``"chanx.drf"`` in ``INSTALLED_APPS``, ``manage.py check`` reports it before deployment.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.checks import CheckMessage, Error

from chanx.drf.authenticator import DjangoAuthenticator


def _routes(
    application: Any, prefix: str, names: frozenset[str]
) -> Iterator[tuple[str, frozenset[str], Any]]:
    # Look through middleware (``inner`` in Channels' middleware, ``application`` in its
    # origin validators) down to URLRouters, collecting each route's keyword names.
    for _ in range(50):
        routes = getattr(application, "routes", None)
        if routes is not None:
            break
        inner = getattr(application, "inner", None) or getattr(application, "application", None)
        if inner is None:
            yield prefix, names, application
            return
        application = inner
    else:
        return
    for route in routes:
        pattern = getattr(route, "pattern", None)
        regex = getattr(pattern, "regex", None)
        keywords = frozenset(regex.groupindex) if regex is not None else frozenset()
        yield from _routes(route.callback, prefix + str(pattern), names | keywords)


def route_lookup_errors(application: Any) -> list[CheckMessage]:
    """Errors for routes whose consumer's ``DjangoAuthenticator`` lookup keyword is missing."""
    errors: list[CheckMessage] = []
    for route, keywords, endpoint in _routes(application, "", frozenset()):
        consumer = getattr(endpoint, "consumer_class", None)
        authenticator = getattr(consumer, "authenticator_class", None)
        if not (isinstance(authenticator, type) and issubclass(authenticator, DjangoAuthenticator)):
            continue
        needed = authenticator.route_keyword()
        if needed is None or needed in keywords:
            continue
        assert consumer is not None
        errors.append(
            Error(
                f"Route {route!r} serves {consumer.__qualname__}, whose "
                f"{authenticator.__qualname__} looks up its object by the route keyword "
                f"{needed!r}, which this route does not capture.",
                hint=f"Capture it ((?P<{needed}>...) or <{needed}>), set lookup_url_kwarg to a "
                "keyword the route has, or queryset = None if the connection is not about "
                "one object.",
                obj=authenticator,
                id="chanx_drf.E001",
            )
        )
    return errors


def check_route_lookups(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The registered check: :func:`route_lookup_errors` of the project's WebSocket app."""
    from chanx.channels.utils.asgi import get_websocket_application

    application = get_websocket_application()
    return [] if application is None else route_lookup_errors(application)


__all__ = ["check_route_lookups", "route_lookup_errors"]
