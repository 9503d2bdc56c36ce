"""The AsyncAPI document of a Django project: settings + discovered routes → generator.

Both the views and the management command are thin shells over :func:`build_document`.
Generating walks the routing and asks Pydantic for every message schema, so the result
is cached, keyed by everything it depends on: the WebSocket application object, the
discovery class, the metadata (``info`` settings included), the wire settings
(``SEND_COMPLETION`` too: it decides whether completion signals are documented) and the
server. A changed
``ASGI_APPLICATION`` or ``CHANX`` (``override_settings`` included) yields a new key,
so nothing needs invalidating by hand.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from chanx.asyncapi.discovery import ChannelsRouteDiscovery, load_discovery
from chanx.asyncapi.generator import generate_document, server_from_url
from chanx.asyncapi.models import Contact, License, Server, Tag
from chanx.channels.settings import chanx_settings
from chanx.channels.utils.asgi import get_websocket_application

DEFAULT_BASE_URL = "ws://localhost:8000"
"""The server documented by the management command when nothing else names one."""


@dataclass(frozen=True)
class DocumentOptions:
    """Everything a generated document depends on besides the routes themselves.

    ``None`` for title, version or description means "the ``ASYNCAPI_*`` setting".
    ``base_url`` is an explicit server URL (``--base-url``) that beats every setting;
    ``detected_url`` is the last resort, e.g. the URL derived from a request.
    """

    base_url: str | None = None
    detected_url: str = DEFAULT_BASE_URL
    title: str | None = None
    version: str | None = None
    description: str | None = None
    discovery_class: str | None = None


def request_base_url(request: HttpRequest) -> str:
    """The WebSocket URL of the site serving ``request``: its host, ``wss`` for HTTPS."""
    scheme = "wss" if request.is_secure() else "ws"
    return f"{scheme}://{request.get_host()}"


def _server(options: DocumentOptions) -> Server:
    """The documented server, by precedence.

    URL: ``base_url``, then ``ASYNCAPI_SERVER_URL``, then ``WEBSOCKET_BASE_URL``, then
    ``detected_url``. Protocol: the URL's scheme, overridden by ``ASYNCAPI_SERVER_PROTOCOL``
    unless the URL was given explicitly.
    """
    s = chanx_settings
    url = options.base_url or s.ASYNCAPI_SERVER_URL or s.WEBSOCKET_BASE_URL or options.detected_url
    protocol = None if options.base_url else s.ASYNCAPI_SERVER_PROTOCOL
    return server_from_url(url, protocol=protocol)


class _Same:
    """A cache key part equal only to the very same object, hashable or not.

    ASGI applications are compared by identity: an app class defining ``__eq__`` (a
    dataclass middleware, say) may be unhashable or equal to a different app.
    """

    __slots__ = ("obj",)

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.obj is self.obj


def build_document(options: DocumentOptions) -> dict[str, Any]:
    """The project's AsyncAPI document as JSON-ready data (a fresh copy, safe to change)."""
    s = chanx_settings
    key = (
        # The application object itself: a different ASGI_APPLICATION is a different key.
        _Same(get_websocket_application() if options.discovery_class is None else None),
        options.discovery_class,
        options.title if options.title is not None else s.ASYNCAPI_TITLE,
        options.version if options.version is not None else s.ASYNCAPI_VERSION,
        options.description if options.description is not None else s.ASYNCAPI_DESCRIPTION,
        _server(options),
        bool(s.CAMELIZE),
        s.MESSAGE_ACTION_KEY,
        bool(s.SEND_COMPLETION),
        Contact.model_validate(s.ASYNCAPI_CONTACT) if s.ASYNCAPI_CONTACT else None,
        License.model_validate(s.ASYNCAPI_LICENSE) if s.ASYNCAPI_LICENSE else None,
        tuple(_tag(tag) for tag in s.ASYNCAPI_TAGS),
    )
    return copy.deepcopy(_cached_document(*key))


def _tag(value: str | dict[str, Any]) -> Tag:
    """An ``ASYNCAPI_TAGS`` entry: a name, or a dict with ``name`` and ``description``."""
    return Tag(name=value) if isinstance(value, str) else Tag.model_validate(value)


@functools.lru_cache(maxsize=32)
def _cached_document(
    application: _Same,
    discovery_class: str | None,
    title: str,
    version: str,
    description: str,
    server: Server,
    camelize: bool,
    action_key: str,
    send_completion: bool,
    contact: Contact | None,
    license: License | None,
    tags: tuple[Tag, ...],
) -> dict[str, Any]:
    discovery = (
        ChannelsRouteDiscovery(application.obj)
        if discovery_class is None
        else load_discovery(discovery_class)
    )
    document = generate_document(
        discovery.discover(),
        title=title,
        version=version,
        description=description,
        servers={"default": server},
        camelize=camelize,
        action_key=action_key,
        send_completion=send_completion,
        contact=contact,
        license=license,
        tags=tags,
    )
    return document.to_dict()


def clear_cache() -> None:
    """Forget generated documents, e.g. after changing consumers at runtime in tests."""
    _cached_document.cache_clear()


__all__ = [
    "DEFAULT_BASE_URL",
    "DocumentOptions",
    "build_document",
    "clear_cache",
    "request_base_url",
]
