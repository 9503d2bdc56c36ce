"""One adapter per channel-layer type: everything chanx knows about a layer's insides.

:func:`adapter_for` picks the adapter of a layer by its class; layers chanx does not
know get :class:`~chanx.channels.layers.base.LayerAdapter`, which touches nothing.
Supporting another layer is one module with one adapter class, registered here.
"""

from __future__ import annotations

from typing import Any

from chanx.channels.layers.base import LayerAdapter

_ADAPTERS = {
    "channels.layers.InMemoryChannelLayer": "chanx.channels.layers.memory.InMemoryAdapter",
    "channels_redis.core.RedisChannelLayer": "chanx.channels.layers.redis_core.RedisCoreAdapter",
    "channels_redis.pubsub.RedisPubSubChannelLayer": (
        "chanx.channels.layers.redis_pubsub.RedisPubSubAdapter"
    ),
}
"""Layer class (dotted path) -> adapter class (dotted path). Subclasses of a layer get
the adapter of the nearest registered base, so a customised layer keeps its support."""


def adapter_class(layer: Any) -> type[LayerAdapter]:
    """The adapter class for ``layer``, by its class or its nearest known base class."""
    from django.utils.module_loading import import_string

    for cls in type(layer).__mro__:
        path = _ADAPTERS.get(f"{cls.__module__}.{cls.__qualname__}")
        if path is not None:
            adapter: type[LayerAdapter] = import_string(path)
            return adapter
    return LayerAdapter


def adapter_for(layer: Any) -> LayerAdapter:
    """A new, not yet started adapter for ``layer``."""
    return adapter_class(layer)(layer)


__all__ = ["LayerAdapter", "adapter_class", "adapter_for"]
