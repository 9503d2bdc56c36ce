"""Finding the WebSocket routes of a Django Channels project, for the generator.

:class:`ChannelsRouteDiscovery` walks the ``websocket`` application of ``ASGI_APPLICATION``
the way Channels routes a connection: through middleware (anything wrapping an app in
``.inner``, ``.app`` or ``.application``, such as ``AuthMiddlewareStack`` and
``AllowedHostsOriginValidator``), through ``URLRouter`` and the routers nested in it, down
to the ``as_asgi()`` application of each chanx consumer. Route patterns become AsyncAPI
addresses: ``path("rooms/<str:room>/")`` and ``re_path(r"^rooms/(?P<room>\\w+)/$")`` both
become ``/rooms/{room}/`` with a ``room`` parameter.

A project whose routing this walk cannot follow can supply its own class (any class
with a no-argument constructor and a ``discover()`` method returning routes) by dotted
path: ``manage.py generate_asyncapi_schema --discovery-class myproject.docs.MyDiscovery``
or ``discovery_class`` on the views.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any, Protocol

from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils.module_loading import import_string

from chanx.asyncapi.generator import WebSocketRoute
from chanx.channels.utils.asgi import get_websocket_application

logger = logging.getLogger("chanx.asyncapi.discovery")

_WRAPPED_APP_ATTRS = ("inner", "app", "application")
_ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
# Regex syntax that stands for itself once unescaped (`\.` is a dot in a URL).
_ESCAPED = re.compile(r"\\(.)")


class RouteDiscovery(Protocol):
    """What the views and the command need from a route discovery class."""

    def discover(self) -> list[WebSocketRoute]:
        """Every documented WebSocket route, in routing order."""
        ...


class ChannelsRouteDiscovery:
    """Routes of the Channels application, read from ``ASGI_APPLICATION`` by default.

    Pass ``application`` to walk another ASGI application (a ``ProtocolTypeRouter``,
    a middleware stack or a ``URLRouter``). Routes to consumers that are not chanx
    consumers are left out: they declare no messages to document.
    """

    def __init__(self, application: Any | None = None) -> None:
        self.application = application

    def discover(self) -> list[WebSocketRoute]:
        """Walk the application; an empty list when nothing routes WebSockets."""
        application = self.application
        if application is None:
            application = get_websocket_application()
        if application is None:
            return []
        return list(self._walk(application, "", {}, set()))

    def _walk(
        self, app: Any, prefix: str, params: dict[str, str], seen: set[int]
    ) -> Iterator[WebSocketRoute]:
        # Guards against an app graph that loops back on itself (a custom middleware
        # pointing at its parent): each object is visited once per branch.
        if id(app) in seen:
            return
        seen = seen | {id(app)}
        consumer = getattr(app, "consumer_class", None)
        if isinstance(consumer, type):
            if getattr(consumer, "__chanx_spec__", None) is None:
                logger.debug("%s is not a chanx consumer; not documented", consumer.__qualname__)
                return
            yield WebSocketRoute(address="/" + prefix, consumer=consumer, parameters=params)
            return
        mapping = getattr(app, "application_mapping", None)
        if isinstance(mapping, dict):
            if "websocket" in mapping:
                yield from self._walk(mapping["websocket"], prefix, params, seen)
            return
        routes = getattr(app, "routes", None)
        if isinstance(routes, (list, tuple)):
            for route in routes:
                segment, found = _pattern_segment(route.pattern)
                callback = getattr(route, "callback", None)
                if callback is not None:
                    yield from self._walk(callback, prefix + segment, {**params, **found}, seen)
            return
        for attr in _WRAPPED_APP_ATTRS:
            inner = getattr(app, attr, None)
            if inner is not None:
                yield from self._walk(inner, prefix, params, seen)
                return


def _pattern_segment(pattern: Any) -> tuple[str, dict[str, str]]:
    """One route's part of the address, with ``{name}`` placeholders and their descriptions."""
    if isinstance(pattern, RoutePattern):
        return _route_segment(str(pattern))
    if isinstance(pattern, RegexPattern):
        return _regex_segment(str(pattern))
    raise TypeError(
        f"Cannot document the route pattern {pattern!r}: only path() and re_path() "
        "patterns are understood. Give a custom discovery class (--discovery-class)."
    )


def _route_segment(route: str) -> tuple[str, dict[str, str]]:
    params: dict[str, str] = {}

    def placeholder(match: re.Match[str]) -> str:
        name, converter = match.group("name"), match.group("converter") or "str"
        params[name] = f"URL path parameter `{name}` (converter `{converter}`)."
        return "{" + name + "}"

    return _ROUTE_PARAM.sub(placeholder, route), params


def _regex_segment(regex: str) -> tuple[str, dict[str, str]]:
    """Turn a route regex into an address: named groups become ``{name}``.

    Anchors are dropped and escaped characters unescaped; an unnamed group becomes
    ``{argN}``. Other regex syntax (alternatives, quantifiers) has no address form and
    is kept as written, which still tells a reader what matches.
    """
    text = regex.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
    params: dict[str, str] = {}
    out: list[str] = []
    position = 0
    positional = 0
    while position < len(text):
        char = text[position]
        if char == "\\" and position + 1 < len(text):
            out.append(text[position : position + 2])
            position += 2
            continue
        if char != "(":
            out.append(char)
            position += 1
            continue
        end = _group_end(text, position)
        group = text[position + 1 : end]
        named = re.match(r"\?P<(?P<name>\w+)>", group)
        if named is not None:
            name = named.group("name")
            body = group[named.end() :]
        elif group.startswith("?"):
            # A non-capturing group or a lookaround: nothing to name, keep it as written.
            out.append(text[position : end + 1])
            position = end + 1
            continue
        else:
            positional += 1
            name, body = f"arg{positional}", group
        params[name] = f"URL path parameter `{name}`, matching `{body}`."
        out.append("{" + name + "}")
        position = end + 1
    return _ESCAPED.sub(r"\1", "".join(out)), params


def _group_end(text: str, start: int) -> int:
    """Index of the parenthesis closing the group opened at ``start``."""
    depth = 0
    position = start
    in_class = False
    while position < len(text):
        char = text[position]
        if char == "\\":
            position += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return position
        position += 1
    raise ValueError(f"Unbalanced parenthesis in route regex {text!r}")


def load_discovery(dotted_path: str | None) -> RouteDiscovery:
    """An instance of the discovery class at ``dotted_path``, or the Channels default."""
    if not dotted_path:
        return ChannelsRouteDiscovery()
    try:
        cls = import_string(dotted_path)
    except ImportError as exc:
        raise ImportError(
            f"Cannot import the route discovery class {dotted_path!r}: {exc}. Give a dotted "
            "path such as 'myproject.docs.MyRouteDiscovery'."
        ) from exc
    discovery = cls()
    if not callable(getattr(discovery, "discover", None)):
        raise TypeError(
            f"{dotted_path} has no discover() method: a route discovery class returns the "
            "routes to document from discover() -> list[WebSocketRoute]."
        )
    return discovery  # type: ignore[no-any-return]


__all__ = ["ChannelsRouteDiscovery", "RouteDiscovery", "load_discovery"]
