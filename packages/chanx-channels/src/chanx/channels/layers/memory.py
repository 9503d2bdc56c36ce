"""Channels' ``InMemoryChannelLayer``: one process, never unreachable."""

from __future__ import annotations

from chanx.channels.layers.base import LayerAdapter


class InMemoryAdapter(LayerAdapter):
    """The in-memory layer needs nothing from chanx: it expires its own queues.

    Its ``probe`` never fails, so an outage can only be noticed from the exceptions
    of real calls, which this layer does not raise for reachability.
    """

    kind = "in-memory"

    async def probe(self) -> None:
        """The in-memory layer is always reachable."""


__all__ = ["InMemoryAdapter"]
