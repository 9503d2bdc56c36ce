"""Routing for WebSocket consumers, in the words of Django's URLconf.

``path``, ``re_path`` and ``URLRouter`` are the ones Channels uses; :func:`include`
mounts another module's ``router`` (or a router object) under a prefix::

    router = URLRouter([path("chat/", include("chat.routing"))])
"""

from __future__ import annotations

from typing import Any

from channels.routing import URLRouter
from django.urls import path, re_path
from django.utils.module_loading import import_string


def include(router: str | Any) -> Any:
    """A router given as an object or as the dotted path of a module with a ``router``.

    ``"chat.routing"`` means the ``router`` attribute of module ``chat.routing``.
    """
    if not isinstance(router, str):
        return router
    try:
        return import_string(f"{router}.router")
    except ImportError as exc:
        raise ImportError(
            f"include({router!r}) needs module {router!r} to define `router = URLRouter([...])`"
        ) from exc


__all__ = ["URLRouter", "include", "path", "re_path"]
