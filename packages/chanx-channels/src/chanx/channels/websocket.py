"""The Django Channels consumer of chanx.

A thin adapter: :class:`AsyncJsonWebsocketConsumer` connects Channels' ASGI consumer
to the framework-neutral logic of :class:`chanx.core.consumer.ChanxWebsocketConsumerMixin`
(validation, dispatch, replies) and adds what needs a channel layer: groups,
broadcasts and server-side events.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any, ClassVar

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import (
    AsyncJsonWebsocketConsumer as ChannelsJsonWebsocketConsumer,
)
from channels.layers import get_channel_layer

from chanx.channels.authentication import BaseAuthenticator, settle
from chanx.channels.cancelling import cancel_and_wait
from chanx.channels.connection_state import ConnectionState
from chanx.channels.db import close_old_connections
from chanx.channels.delivery import LayerDeliveryMixin
from chanx.channels.events import ServerEventsMixin
from chanx.channels.gaps import GapTracker
from chanx.channels.layers import LayerAdapter
from chanx.channels.membership import GroupMembershipMixin, joined_with_extra_groups
from chanx.channels.options import current_options
from chanx.channels.outage import CLOSE_SERVICE_RESTART
from chanx.channels.runtime import ChanxRuntime, current_runtime
from chanx.channels.settings import chanx_settings
from chanx.channels.topics import publish_to_topic
from chanx.core.consumer import EventT
from chanx.core.inbox import FrameInbox
from chanx.core.ratelimit import RateLimit, TokenBucket
from chanx.core.wire import (
    BROADCAST_TYPE,
    EVENT_TYPE,
)
from chanx.messages.outgoing import (
    AuthenticationMessage,
    AuthenticationPayload,
    ErrorMessage,
    ErrorPayload,
)

logger = logging.getLogger("chanx.channels.websocket")

CLOSE_MESSAGE_TOO_BIG = 1009
"""WebSocket close code for a frame over ``max_frame_size`` (RFC 6455)."""

CLOSE_POLICY_VIOLATION = 1008
"""WebSocket close code for a client that keeps sending over its ``rate_limit``."""

AUTH_CLOSE_BASE = 4000
"""A refused connection closes with ``4000 + status_code`` (4401, 4403, 4404...)."""

SHUTDOWN_GRACE = 2.0
"""Seconds a connection closed by a stopping server has to end before it is dropped."""


class AsyncJsonWebsocketConsumer(
    LayerDeliveryMixin[EventT],
    GroupMembershipMixin,
    ServerEventsMixin[EventT],
    ChannelsJsonWebsocketConsumer,
):
    """Django Channels WebSocket consumer with typed, validated, documented messages.

    Declare handlers with ``@ws_handler`` (client frames) and ``@event_handler``
    (server-side events); what a handler returns is sent to its client::

        class ChatConsumer(AsyncJsonWebsocketConsumer[ChatEvent]):
            groups = ["lobby"]

            @ws_handler
            async def handle_chat(self, message: ChatMessage) -> None:
                await self.broadcast_message(ChatNotice(payload=message.payload))

            @event_handler
            async def on_chat_event(self, event: ChatEvent) -> ChatNotice: ...

    The optional type parameter (``ChatEvent``, or a union) names the events the class
    accepts: type checkers hold ``send_event`` / ``broadcast_event`` to it and the
    AsyncAPI document lists them. ``passthrough_events`` forwards events to the client
    as they are; ``extra_groups`` (on mixins) adds groups to every connection.

    A connection opens in this order: authenticate (``authenticator_class``, after
    accepting the handshake so the outcome can be sent), join :meth:`get_groups`, accept
    (or send the ``authentication`` message), :meth:`post_authentication`, then handle the
    frames that arrived meanwhile, in order. Frames over ``max_frame_size`` bytes close the
    connection with 1009; a refused authentication closes it with ``4000 + status`` and no
    frame of it ever reaches a handler.
    """

    authenticator_class: ClassVar[type[BaseAuthenticator] | None] = None
    """Authenticates each connection before any frame is handled; None admits everyone."""

    max_frame_size: ClassVar[int] = 1024 * 1024
    """Largest accepted frame, in bytes (UTF-8 for text frames)."""

    rate_limit: ClassVar[RateLimit | None] = None
    """Frames per second and burst allowed per connection; None (the default) for no limit."""

    send_timeout: ClassVar[float] = 10.0
    """Seconds a send to a client that stopped reading may block before the connection is
    dropped (its groups left, its deliveries no longer queued up for it)."""

    groups: list[str]
    authenticator: BaseAuthenticator | None = None
    connection_state: ConnectionState = ConnectionState.CONNECTING
    _inbox: FrameInbox | None = None
    _bucket: TokenBucket | None = None
    _auth_outcome: AuthenticationPayload | None = None
    _sending_since: float | None = None
    _serving: asyncio.Task[Any] | None = None
    _runtime: ChanxRuntime
    _abandoned = False
    _frame_idle: asyncio.Event
    _gaps: GapTracker
    _broadcast_numbers: dict[str, int]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Each connection gets its own list: code written for upstream chanx appends to
        # ``self.groups`` (``post_authentication``), which must not change the class's list
        # and with it the groups of every later connection. Mixins' extra_groups join it.
        self.groups = joined_with_extra_groups(self.groups, type(self))

    @property
    def url_kwargs(self) -> dict[str, Any]:
        """The keyword arguments captured by the URL route (``/ws/chat/<room>/``)."""
        route = self.scope.get("url_route") or {}
        kwargs: dict[str, Any] = route.get("kwargs", {})
        return kwargs

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Serve one connection: one loop for the client, one for the channel layer.

        Channels serves both sources from one loop and wraps every message it receives in
        a new task. chanx runs two long-lived loops instead: client frames are handled in
        order, inline, by the first (no task or queue per frame), while broadcasts and
        events are delivered by the second, so a slow handler holds up neither. The layer
        loop reads through :meth:`_receive_from_layer`, which rides out an unreachable layer.
        Both end when the connection ends; a server stopping the event loop's runtime
        (:class:`~chanx.channels.lifespan.ChanxLifespan`) closes it with 1001.
        """
        self.scope = scope
        self.base_send = send
        self._runtime = runtime = current_runtime()
        if not runtime.running:
            # The server is stopping: refuse the handshake rather than start serving.
            await send({"type": "websocket.close", "code": CLOSE_SERVICE_RESTART})
            return
        self.channel_layer = layer = get_channel_layer(self.channel_layer_alias)
        adapter: LayerAdapter | None = None
        if layer is not None:
            adapter = runtime.adapter(layer)
            self._health = adapter.health
            # Named before anything is served: handlers and groups need the name.
            self.channel_name = await adapter.open_channel()
            self.channel_receive = self._receive_from_layer
        self._serving = asyncio.current_task()
        loops = [asyncio.ensure_future(self._serve(receive))]
        if adapter is not None:
            loops.append(asyncio.ensure_future(self._serve(self._receive_from_layer)))
        runtime.serve(self)
        runtime.stalled.watch(self)
        try:
            done, _ = await asyncio.wait(loops, return_when=asyncio.FIRST_COMPLETED)
            for loop in done:
                loop.result()
        except asyncio.CancelledError:
            if not self._abandoned:
                raise
        finally:
            await cancel_and_wait(loops)
            runtime.stalled.forget(self)
            runtime.release(self)
            if adapter is not None:
                # Only now has this channel's last receive ended (see layers.redis_core).
                closing = adapter.close_channel(self.channel_name)
                if closing is not None:
                    # Shielded: a stopping server cannot leave the channel half closed.
                    await asyncio.shield(closing)

    async def _serve(self, receive: Any) -> None:
        """Dispatch what ``receive`` gives until the consumer stops."""
        dispatch = self.dispatch
        with contextlib.suppress(StopConsumer):
            while True:
                await dispatch(await receive())

    async def get_groups(self) -> list[str]:
        """Groups this connection joins once authenticated; defaults to ``groups``.

        Override for groups that depend on the connection, e.g. the room in the URL. The
        ``extra_groups`` of the class and its mixins are joined as well, whatever this
        returns.
        """
        return list(self.groups)

    async def post_authentication(self) -> None:
        """Called once the connection is authenticated and has joined its groups.

        Groups appended to ``self.groups`` here (``self.groups.append(f"user_{pk}")``)
        are joined right after it returns, before any frame is handled.
        """

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Route a Channels message to its method.

        Unlike Channels, stale database connections are closed at most once per second,
        not before every message (see :mod:`chanx.channels.db`).
        """
        if self._runtime.cleanup.due():
            await close_old_connections()
        kind = message["type"]
        if kind == "websocket.receive":
            await self.websocket_receive(message)
        elif kind == BROADCAST_TYPE:
            await self.chanx_broadcast(message)
        elif kind == EVENT_TYPE:
            await self.chanx_event(message)
        else:
            handler = getattr(self, get_handler_name(message), None)
            if handler is None:
                raise ValueError(f"No handler for message type {kind}")
            await handler(message)

    async def websocket_connect(self, message: dict[str, Any]) -> None:
        """Authenticate and join the groups, then start handling frames.

        The client learns it is in its groups when it learns it is connected: without an
        authenticator the handshake is accepted after the groups are joined (as Channels
        does); with one, the handshake must be accepted first to carry the outcome, and the
        ``authentication`` message is sent once the groups are joined. Either way, a client
        that starts listening at that moment misses no broadcast.

        When it finishes (connected, refused, or failing with an exception) it calls
        ``scope["chanx_connect_complete"]``, if the scope has one, exactly once: a
        demultiplexer (:mod:`chanx.channels.multiplex`) learns that way that its
        sub-consumer has joined its groups.
        """
        try:
            await self._open_connection()
        finally:
            connect_complete = self.scope.get("chanx_connect_complete")
            if connect_complete is not None:
                connect_complete()

    async def _open_connection(self) -> None:
        self.configure_chanx(current_options())
        self._frame_idle = asyncio.Event()
        self._frame_idle.set()
        self._gaps = GapTracker(type(self).__qualname__, self._runtime.stats)
        self._broadcast_numbers = {}
        if self.max_concurrent_handlers > 1:
            self._inbox = self.make_inbox()
        if self.rate_limit is not None:
            self._bucket = TokenBucket(self.rate_limit)
        if self.authenticator_class is not None:
            await self.accept()
            if not await self._authenticate():
                return
        if not await self._join_initial_groups():
            return
        if self._auth_outcome is not None:
            await self._report_authentication(self._auth_outcome)
        else:
            await self.accept()
        declared = set(self.groups)
        await self.post_authentication()
        if not await self._join_added_groups(declared):
            return
        if self.connection_state is ConnectionState.CONNECTING:
            self.connection_state = ConnectionState.OPEN
            if self._inbox is not None:
                self._inbox.start()

    async def _authenticate(self) -> bool:
        assert self.authenticator_class is not None
        self.authenticator = authenticator = self.authenticator_class(self.send_message)
        try:
            admitted = settle(authenticator, await authenticator.authenticate(self.scope))
        except Exception:
            logger.exception("%s: authentication failed with an error", type(self).__qualname__)
            admitted = False
            authenticator.outcome = AuthenticationPayload(
                status_code=500, status_text="Internal Server Error"
            )
        outcome = authenticator.outcome
        assert outcome is not None  # settle() records one
        if not admitted:
            await self._report_authentication(outcome)
            self.connection_state = ConnectionState.CLOSED
            await self.close(code=AUTH_CLOSE_BASE + outcome.status_code)
            return False
        self._auth_outcome = outcome
        self.scope["user"] = authenticator.user
        return True

    async def _report_authentication(self, outcome: AuthenticationPayload) -> None:
        if chanx_settings.SEND_AUTHENTICATION_MESSAGE:
            await self.send_message(AuthenticationMessage(payload=outcome))

    async def websocket_receive(self, message: dict[str, Any]) -> None:
        """Handle a client frame (or queue it, with concurrent handlers); refuse it if too big."""
        if self.connection_state is not ConnectionState.OPEN:
            return
        frame = message.get("text")
        if frame is None:
            frame = message.get("bytes") or b""
        size = len(frame)
        limit = self.max_frame_size
        # A character is at most 4 UTF-8 bytes: only long text needs the exact count.
        if size > limit or (
            isinstance(frame, str) and size * 4 > limit and len(frame.encode()) > limit
        ):
            logger.warning(
                "%s: frame of %d characters over max_frame_size=%d; closing with 1009",
                type(self).__qualname__,
                size,
                limit,
            )
            await self.close(code=CLOSE_MESSAGE_TOO_BIG)
            return
        bucket = self._bucket
        if bucket is not None and not bucket.take():
            await self._refuse_over_limit(bucket)
            return
        if self._inbox is None:
            idle = self._frame_idle
            idle.clear()
            try:
                await self.chanx_handle_frame(frame)
            finally:
                idle.set()
        else:
            await self._inbox.put(frame)

    async def _refuse_over_limit(self, bucket: TokenBucket) -> None:
        if bucket.abusive:
            logger.warning(
                "%s: client kept sending over its rate limit; closing with 1008",
                type(self).__qualname__,
            )
            await self.close(code=CLOSE_POLICY_VIOLATION)
            return
        assert self.rate_limit is not None
        detail = (
            f"Rate limit exceeded: at most {self.rate_limit.per_second:g} messages per second "
            f"(bursts of {self.rate_limit.burst}); this message was not handled"
        )
        await self.send_message(ErrorMessage(payload=ErrorPayload(detail=detail)))
        if self.chanx_options.send_completion:
            await self.send_text(self.codec.complete_text)

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        """Stop handling frames, leave the groups, call :meth:`disconnect`, stop."""
        self.connection_state = ConnectionState.CLOSED
        if self._inbox is not None:
            await self._inbox.stop()
        await self._leave_everything()
        await self.disconnect(message.get("code", 1000))
        raise StopConsumer()

    async def _leave_everything(self) -> None:
        """End the topic subscriptions (``on_unsubscribe`` first), then leave every group."""
        await self.chanx_end_subscriptions()
        await self._leave_groups()

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        """Close the connection from the server side; frames received later are ignored."""
        self.connection_state = ConnectionState.CLOSED
        await super().close(code=code, reason=reason)

    async def send_text(self, text: str) -> None:
        """Send one text frame, unless the connection is already closed.

        A client that left while a reply or broadcast was on its way is not an error: the
        frame is dropped and the disconnect that follows cleans up. A send that blocks for
        ``send_timeout`` seconds (the client stopped reading) is noticed by the runtime's
        :class:`~chanx.channels.stalled.StalledSends`, which drops the connection.
        """
        if self.connection_state is ConnectionState.CLOSED:
            return
        self._sending_since = time.monotonic()
        try:
            await self.base_send({"type": "websocket.send", "text": text})
        except OSError:
            self.connection_state = ConnectionState.CLOSED
        finally:
            self._sending_since = None

    def send_stalled_for(self, now: float) -> float:
        """How long the current send has been blocked (0 when not sending)."""
        since = self._sending_since
        return 0.0 if since is None else now - since

    async def abandon_stalled(self) -> None:
        """Drop a connection whose client stopped reading: leave its groups, stop serving.

        No close frame can be written to a socket that is not drained, so the consumer
        simply stops; the server then closes the connection.
        """
        if self._abandoned:
            return
        self._abandoned = True
        self.connection_state = ConnectionState.CLOSED
        logger.warning(
            "%s: client stopped reading (a send blocked for %.0f s); deliveries to it are "
            "dropped and the connection is closed",
            type(self).__qualname__,
            self.send_timeout,
        )
        if self._inbox is not None:
            await self._inbox.stop()
        await self._leave_everything()
        if self._serving is not None:
            self._serving.cancel()

    async def shut_down(self, code: int) -> None:
        """Close this connection because the server stops (the runtime calls this).

        The close frame goes out first; the server then reports the disconnect, which
        ends the connection the usual way (groups left, :meth:`disconnect` called). A
        connection that has not ended after ``SHUTDOWN_GRACE`` seconds is dropped.
        """
        serving = self._serving
        if self.connection_state is not ConnectionState.CLOSED:
            with contextlib.suppress(OSError):
                await self.close(code=code)
        if serving is None or serving.done() or serving is asyncio.current_task():
            return
        done, _ = await asyncio.wait({serving}, timeout=SHUTDOWN_GRACE)
        if not done:
            self._abandoned = True
            if self._inbox is not None:
                await self._inbox.stop()
            await self._leave_everything()
            serving.cancel()
            await asyncio.wait({serving})

    async def chanx_run_sync(self, func: Any, **kwargs: Any) -> Any:
        """Run a synchronous ``authorize`` as Channels runs ORM code (thread-sensitive)."""
        return await database_sync_to_async(func)(**kwargs)


# Importing the publisher installs it: topics of this consumer publish through the layer.
_ = publish_to_topic

__all__ = [
    "AsyncJsonWebsocketConsumer",
    "ConnectionState",
    "current_options",
    "get_channel_layer",
]
