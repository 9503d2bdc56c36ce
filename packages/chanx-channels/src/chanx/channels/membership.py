"""Keeping a connection in its groups, through channel-layer outages and restarts.

Without this, a consumer whose channel layer fails dies with a traceback and its client
is disconnected. A chanx consumer keeps serving its own client's frames, waits for the
one signal of its process that the layer answers again
(:class:`~chanx.channels.outage.LayerHealth`), joins its groups again then (a restarted
Redis has forgotten them), and closes with 1012 (service restart) only if the layer stays
away longer than ``layer_recovery_timeout``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, ClassVar

from chanx.channels.outage import CLOSE_SERVICE_RESTART, ChannelLayerUnavailable, LayerHealth

logger = logging.getLogger("chanx.channels.websocket")

LAYER_PROBE_TYPE = "chanx.layer_probe"
"""A message type consumers ignore (sent by older chanx versions to probe the layer)."""

SETTLE_TIMEOUT = 5.0
"""Seconds a new connection waits for older ones to restore their groups after an outage."""


class GroupMembershipMixin:
    """Joining, keeping and leaving the channel-layer groups of one connection."""

    layer_recovery_timeout: ClassVar[float] = 30.0
    """Seconds a connection waits for an unreachable channel layer before closing with 1012."""

    channel_layer: Any
    channel_name: str
    groups: list[str]
    _health: LayerHealth
    _joined: tuple[str, ...] = ()

    if TYPE_CHECKING:
        # Provided by the consumer; declared here only for the type checker, since a real
        # method would sit in the consumer's MRO and intercept ``super().close()``.
        async def get_groups(self) -> list[str]: ...

        async def close(
            self, code: int | bool | None = None, reason: str | None = None
        ) -> None: ...

    async def _receive_from_layer(self) -> dict[str, Any]:
        health = self._health
        receive = self.channel_layer.receive
        while True:
            try:
                message: dict[str, Any] = await health.call(receive, self.channel_name)
            except ChannelLayerUnavailable:
                await self._ride_out_outage()
            else:
                return message

    async def _ride_out_outage(self) -> None:
        """Wait until the layer answers again: one signal for the whole process.

        The groups of every connection are restored by the layer's
        :class:`~chanx.channels.outage.LayerHealth` when it answers again; one that
        waits longer than ``layer_recovery_timeout`` closes with 1012 (service restart).
        """
        if await self._health.wait_until_reachable(self.layer_recovery_timeout):
            return
        logger.warning(
            "%s: channel layer still unreachable after %.0f s; closing with 1012",
            type(self).__qualname__,
            self.layer_recovery_timeout,
        )
        await self.close(code=CLOSE_SERVICE_RESTART)
        # The disconnect that follows stops this consumer and cancels this wait.
        await asyncio.Event().wait()

    async def rejoin_groups(self) -> None:
        """Add this connection to its groups again (after an outage; idempotent)."""
        call, add, name = self._health.call, self.channel_layer.group_add, self.channel_name
        for group in self._joined:
            await call(add, group, name)
            if group not in self._joined:
                # The connection left while this add was on its way: undo it, or the
                # group would keep a dead member until the layer's group expiry.
                await call(self.channel_layer.group_discard, group, name)

    async def _join_initial_groups(self, groups: list[str] | None = None) -> bool:
        """Join ``get_groups()`` (or ``groups``); False if the connection had to close."""
        if groups is None:
            self._joined = tuple(await self.get_groups())
            groups = list(self._joined)
        if not groups:
            return True
        if self.channel_layer is None:
            raise RuntimeError(
                f"{type(self).__qualname__} joins groups {list(self._joined)} but no channel "
                "layer is configured: set CHANNEL_LAYERS in the Django settings."
            )
        # After an outage, older connections of this process restore their groups first,
        # so whatever this connection broadcasts once it is in reaches them too.
        await self._health.settled(SETTLE_TIMEOUT)
        call, add, name = self._health.call, self.channel_layer.group_add, self.channel_name
        try:
            for group in groups:
                await call(add, group, name)
        except ChannelLayerUnavailable:
            # Before an accept this refuses the handshake; after it, 1012 says "retry".
            await self.close(code=CLOSE_SERVICE_RESTART)
            return False
        self._health.register(self)
        return True

    async def _join_added_groups(self, declared: set[str]) -> bool:
        """Join the groups ``post_authentication`` added to ``groups`` (not in ``declared``)."""
        added = [g for g in self.groups if g not in declared and g not in self._joined]
        if not added:
            return True
        self._joined = (*self._joined, *added)
        return await self._join_initial_groups(added)

    async def _leave_groups(self) -> None:
        """Leave the groups; an unreachable layer forgets dead members itself (group expiry)."""
        groups, self._joined = self._joined, ()
        if self.channel_layer is not None and groups:
            self._health.unregister(self)
            call, discard = self._health.call, self.channel_layer.group_discard
            try:
                for group in groups:
                    await call(discard, group, self.channel_name)
            except ChannelLayerUnavailable:
                pass


__all__ = ["LAYER_PROBE_TYPE", "GroupMembershipMixin"]
