"""Keeping a connection in its groups, through channel-layer outages and restarts.

Without this, a consumer whose channel layer fails dies with a traceback and its client
is disconnected. A chanx consumer keeps serving its own client's frames, waits for the
one signal of its process that the layer answers again
(:class:`~chanx.channels.outage.LayerHealth`), joins its groups again then (a restarted
Redis has forgotten them), and closes with 1012 (service restart) only if the layer stays
away longer than ``layer_recovery_timeout``.

A connection's groups are what ``get_groups()`` returns plus the ``extra_groups`` that the
classes of its consumer (mixins included) declare, merged once when the class is created.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from chanx.channels.outage import CLOSE_SERVICE_RESTART, ChannelLayerUnavailable, LayerHealth
from chanx.core.topics import Topic

logger = logging.getLogger("chanx.channels.websocket")

SETTLE_TIMEOUT = 5.0
"""Seconds a new connection waits for older ones to restore their groups after an outage."""

EXTRA_GROUPS_ATTR = "__chanx_extra_groups__"
"""Where a consumer class keeps the ``extra_groups`` of its whole MRO, merged."""


def _merged_extra_groups(cls: type) -> tuple[str, ...]:
    """``extra_groups`` of every class in the MRO, most derived first, each group once.

    Reading ``cls.extra_groups`` would give only the nearest definition, so two mixins
    that each add a group would lose one of them.
    """
    merged: list[str] = []
    for klass in cls.__mro__:
        declared = vars(klass).get("extra_groups") or ()
        names = list(declared) if isinstance(declared, Iterable) else [declared]
        if isinstance(declared, str) or not all(isinstance(name, str) for name in names):
            raise TypeError(
                f"{klass.__qualname__}.extra_groups must be a list of group names, e.g. "
                f"`extra_groups = ['announcements']` (got {declared!r})."
            )
        merged += names
    return tuple(dict.fromkeys(merged))


def joined_with_extra_groups(groups: Iterable[str] | None, consumer: type) -> list[str]:
    """``groups`` followed by the consumer class's merged ``extra_groups``, each once."""
    return list(dict.fromkeys([*(groups or ()), *getattr(consumer, EXTRA_GROUPS_ATTR, ())]))


class GroupMembershipMixin:
    """Joining, keeping and leaving the channel-layer groups of one connection.

    ``extra_groups`` lets a mixin add groups to every consumer it is mixed into, whatever
    the consumer's own ``groups`` or ``get_groups()``: the lists of all classes in the
    inheritance chain add up, and every connection joins them with its other groups::

        class AnnouncementsMixin:
            extra_groups = ["announcements"]

        class ChatConsumer(AnnouncementsMixin, AsyncJsonWebsocketConsumer):
            groups = ["lobby"]  # a connection joins "lobby" and "announcements"
    """

    layer_recovery_timeout: ClassVar[float] = 30.0
    """Seconds a connection waits for an unreachable channel layer before closing with 1012."""

    extra_groups: ClassVar[Sequence[str]] = ()
    """Groups this class adds to every connection, on top of ``groups``/``get_groups()``."""

    __chanx_extra_groups__: ClassVar[tuple[str, ...]] = ()

    channel_layer: Any
    channel_name: str
    groups: list[str]
    _health: LayerHealth
    _joined: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.__chanx_extra_groups__ = _merged_extra_groups(cls)

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
        await self._add_to(self._joined)

    async def _add_to(self, groups: Iterable[str]) -> None:
        """``group_add`` this channel to ``groups``; raises ChannelLayerUnavailable."""
        call, add, name = self._health.call, self.channel_layer.group_add, self.channel_name
        for group in groups:
            await call(add, group, name)
            if group not in self._joined:
                # The connection left while this add was on its way: undo it, or the
                # group would keep a dead member until the layer's group expiry.
                await call(self.channel_layer.group_discard, group, name)

    async def _join_initial_groups(self) -> bool:
        """Join ``get_groups()`` and ``extra_groups``; False if the connection had to close."""
        self._joined = tuple(joined_with_extra_groups(await self.get_groups(), type(self)))
        return await self._join(self._joined)

    async def _join_added_groups(self, declared: set[str]) -> bool:
        """Join the groups ``post_authentication`` added to ``groups`` (not in ``declared``)."""
        added = [g for g in self.groups if g not in declared and g not in self._joined]
        self._joined = (*self._joined, *added)
        return await self._join(added)

    async def _join(self, groups: Sequence[str]) -> bool:
        """Join ``groups`` (already counted in ``_joined``); False if the connection closed."""
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
        try:
            await self._add_to(groups)
        except ChannelLayerUnavailable:
            # Before an accept this refuses the handshake; after it, 1012 says "retry".
            await self.close(code=CLOSE_SERVICE_RESTART)
            return False
        self._health.register(self)
        return True

    async def chanx_join_topic(self, topic: Topic) -> None:
        """Join a subscribed topic's group; kept through outages like the other groups."""
        if self.channel_layer is None:
            raise RuntimeError(
                f"{type(self).__qualname__} mounts topics but no channel layer is configured: "
                "set CHANNEL_LAYERS in the Django settings."
            )
        group = topic.group
        self._joined = (*self._joined, group)
        try:
            await self._add_to([group])
        except BaseException:
            self._joined = tuple(g for g in self._joined if g != group)
            raise
        self._health.register(self)

    async def chanx_leave_topic(self, topic: Topic) -> None:
        """Leave an unsubscribed topic's group (an unreachable layer expires it itself)."""
        group = topic.group
        if group not in self._joined:
            return
        self._joined = tuple(g for g in self._joined if g != group)
        with contextlib.suppress(ChannelLayerUnavailable):
            await self._health.call(self.channel_layer.group_discard, group, self.channel_name)

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


__all__ = [
    "EXTRA_GROUPS_ATTR",
    "GroupMembershipMixin",
    "joined_with_extra_groups",
]
