"""What chanx needs from a channel layer beyond the Channels API, for any layer.

Channels' layer API (``new_channel``, ``send``, ``receive``, ``group_add``...) is all a
consumer calls. Some layers need more to run well under chanx (dropping buffers of
departed channels, looking at background task failures, timeouts that do not race);
that knowledge lives in one adapter per layer type, chosen by
:func:`chanx.channels.layers.adapter_for`. :class:`LayerAdapter` itself is the adapter
of layers chanx knows nothing about: it adds nothing and touches nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from chanx.channels.outage import LayerHealth

PROBE_GROUP = "chanx.probe"
"""A group nobody joins; leaving it is a harmless round trip to the layer."""

PROBE_CHANNEL = "chanx.probe!never"
"""A channel name that is never a member of :data:`PROBE_GROUP` (or of anything)."""


class LayerAdapter:
    """One channel layer as seen by the chanx consumers of one event loop.

    Subclasses override what their layer needs; every method here is safe for any layer
    that implements Channels' layer API.
    """

    kind = "channel layer"
    """What the adapter adapts, for messages."""

    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.health = LayerHealth(self.probe, name=self.kind)

    def start(self) -> None:
        """Prepare the layer for chanx consumers; called once per event loop, before use."""

    async def stop(self) -> None:
        """Release what this adapter started; called when the event loop's runtime stops."""
        await self.health.stop()

    async def open_channel(self) -> str:
        """A new channel name for one connection."""
        name: str = await self.layer.new_channel()
        return name

    def close_channel(self, channel_name: str) -> Awaitable[None] | None:
        """Forget ``channel_name``; called after the connection's last ``receive`` ended.

        Returns what is left to await, if anything: most layers need no I/O for this, and
        a connection's close then costs no task.
        """
        return None

    async def probe(self) -> None:
        """One cheap round trip that fails while the layer is unreachable."""
        if hasattr(self.layer, "group_discard"):
            await self.layer.group_discard(PROBE_GROUP, PROBE_CHANNEL)
        else:
            await self.layer.send(PROBE_CHANNEL, {"type": "chanx.probe"})


__all__ = ["PROBE_CHANNEL", "PROBE_GROUP", "LayerAdapter"]
