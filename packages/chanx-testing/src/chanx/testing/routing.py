"""Finding the consumer class that serves a path, by reading the routing like Channels does.

A test names a path; the communicator needs the consumer class behind it to know which
messages it may send. The lookup walks the same objects Channels routes through:
middleware (``.inner`` / ``.application``), ``URLRouter`` routes matched with their
Django patterns, down to a ``Consumer.as_asgi()`` application.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlparse

from django.urls import Resolver404

from chanx.core.consumer import ChanxWebsocketConsumerMixin

_MAX_DEPTH = 32


def find_consumer(application: Any, path: str) -> type[ChanxWebsocketConsumerMixin] | None:
    """The chanx consumer class ``application`` routes ``path`` to, or None if none is found.

    None also when the routing hides its inner application (a middleware that keeps it
    under another name) or the path leads to a consumer that is not a chanx one.
    """
    return _walk(application, unquote(urlparse(path).path).lstrip("/"), _MAX_DEPTH)


def _walk(application: Any, remaining: str, depth: int) -> type[ChanxWebsocketConsumerMixin] | None:
    while application is not None and depth > 0:
        depth -= 1
        consumer = getattr(application, "consumer_class", None)
        if isinstance(consumer, type):
            return consumer if issubclass(consumer, ChanxWebsocketConsumerMixin) else None
        routes = getattr(application, "routes", None)
        if routes is not None:
            return _match(routes, remaining, depth)
        application = getattr(application, "inner", None) or getattr(
            application, "application", None
        )
    return None


def _match(routes: Any, remaining: str, depth: int) -> type[ChanxWebsocketConsumerMixin] | None:
    for route in routes:
        try:
            match = route.pattern.match(remaining)
        except Resolver404:
            continue
        if match:
            # As in Channels' URLRouter, a nested router that matches nothing lets the
            # following routes try.
            found = _walk(route.callback, match[0], depth)
            if found is not None:
                return found
    return None


__all__ = ["find_consumer"]
