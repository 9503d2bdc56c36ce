"""Keeping a connection in its groups, through channel-layer outages and restarts.

Without this, a consumer whose channel layer fails dies with a traceback and its client
is disconnected. A chanx consumer keeps serving its own client's frames, retries the
layer with backoff, joins its groups again when the layer answers (a restarted Redis has
forgotten them), and closes with 1012 (service restart) only if the layer stays away
longer than ``layer_recovery_timeout``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from typing import TYPE_CHECKING, Any, ClassVar

from chanx.channels.events import layer_call
from chanx.channels.outage import CLOSE_SERVICE_RESTART, ChannelLayerUnavailable, outage_log

logger = logging.getLogger("chanx.channels.websocket")

LAYER_PROBE_TYPE = "chanx.layer_probe"
"""A message a consumer sends itself to learn whether the channel layer answers again."""


class GroupMembershipMixin:
    """Joining, keeping and leaving the channel-layer groups of one connection."""

    layer_recovery_timeout: ClassVar[float] = 30.0
    """Seconds a connection waits for an unreachable channel layer before closing with 1012."""

    channel_layer: Any
    channel_name: str
    _joined: tuple[str, ...] = ()

    if TYPE_CHECKING:
        # Provided by the consumer; declared here only for the type checker, since a real
        # method would sit in the consumer's MRO and intercept ``super().close()``.
        async def get_groups(self) -> list[str]: ...

        async def close(
            self, code: int | bool | None = None, reason: str | None = None
        ) -> None: ...

    async def _receive_from_layer(self) -> dict[str, Any]:
        while True:
            try:
                message: dict[str, Any] = await layer_call(
                    self.channel_layer.receive, self.channel_name
                )
            except ChannelLayerUnavailable:
                await self._wait_for_layer()
            else:
                return message

    async def _wait_for_layer(self) -> None:
        """Retry with backoff until the layer answers, then restore this connection's groups."""
        deadline = time.monotonic() + self.layer_recovery_timeout
        delay = 0.1
        while True:
            # Jitter spreads the retries of many connections over time.
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, 1.0)
            try:
                await self._join_groups()
            except ChannelLayerUnavailable:
                if time.monotonic() < deadline:
                    continue
                logger.warning(
                    "%s: channel layer still unreachable after %.0f s; closing with 1012",
                    type(self).__qualname__,
                    self.layer_recovery_timeout,
                )
                await self.close(code=CLOSE_SERVICE_RESTART)
                # The disconnect that follows stops this consumer and cancels this wait.
                await asyncio.Event().wait()
            else:
                outage_log.recovered()
                return

    async def _join_groups(self) -> None:
        """Add this connection to its groups (again); with no groups, just probe the layer."""
        layer = self.channel_layer
        if not self._joined:
            await layer_call(layer.send, self.channel_name, {"type": LAYER_PROBE_TYPE})
        for group in self._joined:
            await layer_call(layer.group_add, group, self.channel_name)

    async def _join_initial_groups(self) -> bool:
        self._joined = tuple(await self.get_groups())
        if not self._joined:
            return True
        if self.channel_layer is None:
            raise RuntimeError(
                f"{type(self).__qualname__} joins groups {list(self._joined)} but no channel "
                "layer is configured: set CHANNEL_LAYERS in the Django settings."
            )
        try:
            await self._join_groups()
        except ChannelLayerUnavailable:
            # Before an accept this refuses the handshake; after it, 1012 says "retry".
            await self.close(code=CLOSE_SERVICE_RESTART)
            return False
        return True

    async def _leave_groups(self) -> None:
        """Leave the groups; an unreachable layer forgets dead members itself (group expiry)."""
        if self.channel_layer is not None:
            try:
                for group in self._joined:
                    await layer_call(self.channel_layer.group_discard, group, self.channel_name)
            except ChannelLayerUnavailable:
                pass
        self._joined = ()


__all__ = ["LAYER_PROBE_TYPE", "GroupMembershipMixin"]
