"""The Django Channels consumer of chanx.

A thin adapter: :class:`AsyncJsonWebsocketConsumer` connects Channels' ASGI consumer
to the framework-neutral logic of :class:`chanx.core.consumer.ChanxWebsocketConsumerMixin`
(validation, dispatch, replies) and adds what needs a channel layer: groups,
broadcasts and server-side events.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Iterable
from typing import Any, ClassVar

from asgiref.sync import async_to_sync
from channels.consumer import get_handler_name
from channels.db import aclose_old_connections
from channels.exceptions import StopConsumer
from channels.generic.websocket import (
    AsyncJsonWebsocketConsumer as ChannelsJsonWebsocketConsumer,
)
from channels.layers import get_channel_layer
from django.core.signals import setting_changed

from chanx.channels.authentication import BaseAuthenticator, is_success
from chanx.channels.settings import chanx_settings
from chanx.core.consumer import ChanxWebsocketConsumerMixin, ConsumerOptions
from chanx.core.inbox import FrameInbox
from chanx.core.wire import (
    BROADCAST_SENDER_KEY,
    BROADCAST_TEXT_KEY,
    BROADCAST_TYPE,
    EVENT_TYPE,
)
from chanx.messages.base import BaseMessage
from chanx.messages.outgoing import AuthenticationMessage, AuthenticationPayload

logger = logging.getLogger("chanx.channels.websocket")

CLOSE_MESSAGE_TOO_BIG = 1009
"""WebSocket close code for a frame over ``max_frame_size`` (RFC 6455)."""

AUTH_CLOSE_BASE = 4000
"""A refused connection closes with ``4000 + status_code`` (4401, 4403, 4404...)."""


class ConnectionState(enum.Enum):
    """Where a connection is in its life; frames are handled only when ``OPEN``."""

    CONNECTING = "connecting"
    OPEN = "open"
    CLOSED = "closed"


_options_cache: list[ConsumerOptions] = []


def current_options() -> ConsumerOptions:
    """The consumer options the ``CHANX`` settings ask for right now (cached between changes)."""
    if _options_cache:
        return _options_cache[0]
    s = chanx_settings
    options = ConsumerOptions(
        action_key=s.MESSAGE_ACTION_KEY,
        camelize=s.CAMELIZE,
        send_completion=s.SEND_COMPLETION,
        send_immediately=s.SEND_MESSAGE_IMMEDIATELY,
        log_messages=s.LOG_WEBSOCKET_MESSAGE,
        log_ignored_actions=frozenset(s.LOG_IGNORED_ACTIONS),
    )
    _options_cache[:] = [options]
    return options


def _forget_options(*, setting: str, **kwargs: Any) -> None:
    if setting == "CHANX":
        _options_cache.clear()


setting_changed.connect(_forget_options)


DB_CLEANUP_INTERVAL = 1.0
"""Seconds between two closings of stale database connections by chanx consumers."""

_last_db_cleanup = [float("-inf")]


async def close_old_connections_throttled() -> None:
    """Close unusable or expired database connections, at most once per interval.

    Channels does it before every message; once per second keeps a dropped or expired
    connection from lingering under async ORM calls without paying the thread hop per
    frame and per broadcast recipient.
    """
    now = time.monotonic()
    if now - _last_db_cleanup[0] >= DB_CLEANUP_INTERVAL:
        _last_db_cleanup[0] = now
        await aclose_old_connections()


def _group_list(groups: str | Iterable[str]) -> list[str]:
    return [groups] if isinstance(groups, str) else list(groups)


class AsyncJsonWebsocketConsumer(ChanxWebsocketConsumerMixin, ChannelsJsonWebsocketConsumer):
    """Django Channels WebSocket consumer with typed, validated, documented messages.

    Declare handlers with ``@ws_handler`` (client frames) and ``@event_handler``
    (server-side events); what a handler returns is sent to its client::

        class ChatConsumer(AsyncJsonWebsocketConsumer):
            groups = ["lobby"]

            @ws_handler
            async def handle_chat(self, message: ChatMessage) -> None:
                await self.broadcast_message(ChatNotice(payload=message.payload))

    A connection opens in this order: accept, authenticate (``authenticator_class``),
    join :meth:`get_groups`, :meth:`post_authentication`, then handle the frames that
    arrived meanwhile, in order. Frames over ``max_frame_size`` bytes close the
    connection with 1009; a refused authentication closes it with ``4000 + status``
    and no frame of it ever reaches a handler.
    """

    authenticator_class: ClassVar[type[BaseAuthenticator] | None] = None
    """Authenticates each connection before any frame is handled; None admits everyone."""

    max_frame_size: ClassVar[int] = 1024 * 1024
    """Largest accepted frame, in bytes (UTF-8 for text frames)."""

    groups: list[str]
    authenticator: BaseAuthenticator | None = None
    connection_state: ConnectionState = ConnectionState.CONNECTING
    _inbox: FrameInbox | None = None
    _joined: tuple[str, ...] = ()

    @property
    def url_kwargs(self) -> dict[str, Any]:
        """The keyword arguments captured by the URL route (``/ws/chat/<room>/``)."""
        route = self.scope.get("url_route") or {}
        kwargs: dict[str, Any] = route.get("kwargs", {})
        return kwargs

    async def get_groups(self) -> list[str]:
        """Groups this connection joins once authenticated; defaults to ``groups``.

        Override for groups that depend on the connection, e.g. the room in the URL.
        """
        return list(self.groups)

    async def post_authentication(self) -> None:
        """Called once the connection is authenticated and has joined its groups."""

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Route a Channels message to its method.

        Channels closes stale database connections before every message, with a hop into
        its database thread (about 40-200 µs of CPU here, more than the rest of an echo).
        chanx keeps that protection for async ORM calls but runs it at most once per
        ``DB_CLEANUP_INTERVAL`` seconds per process (see :func:`close_old_connections_throttled`);
        ORM work wrapped in ``database_sync_to_async`` is cleaned around every call anyway.
        """
        await close_old_connections_throttled()
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
        """Accept, authenticate, join groups, then start handling frames."""
        self.configure_chanx(current_options())
        self._inbox = self.make_inbox()
        await self.accept()
        if self.authenticator_class is not None and not await self._authenticate():
            return
        self._joined = tuple(await self.get_groups())
        if self._joined and self.channel_layer is None:
            raise RuntimeError(
                f"{type(self).__qualname__} joins groups {list(self._joined)} but no channel "
                "layer is configured: set CHANNEL_LAYERS in the Django settings."
            )
        for group in self._joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.post_authentication()
        if self.connection_state is ConnectionState.CONNECTING:
            self.connection_state = ConnectionState.OPEN
            self._inbox.start()

    async def _authenticate(self) -> bool:
        assert self.authenticator_class is not None
        self.authenticator = authenticator = self.authenticator_class(self.send_message)
        try:
            outcome = await authenticator.authenticate(self.scope)
        except Exception:
            logger.exception("%s: authentication failed with an error", type(self).__qualname__)
            outcome = AuthenticationPayload(status_code=500, status_text="Internal Server Error")
        if chanx_settings.SEND_AUTHENTICATION_MESSAGE:
            await self.send_message(AuthenticationMessage(payload=outcome))
        if not is_success(outcome):
            self.connection_state = ConnectionState.CLOSED
            await self.close(code=AUTH_CLOSE_BASE + outcome.status_code)
            return False
        self.scope["user"] = authenticator.user
        return True

    async def websocket_receive(self, message: dict[str, Any]) -> None:
        """Queue a client frame for the handlers, or refuse it if it is too big."""
        if self.connection_state is ConnectionState.CLOSED or self._inbox is None:
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
            self.connection_state = ConnectionState.CLOSED
            return
        await self._inbox.put(frame)

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        """Stop handling frames, leave the groups, call :meth:`disconnect`, stop."""
        self.connection_state = ConnectionState.CLOSED
        if self._inbox is not None:
            await self._inbox.stop()
        if self.channel_layer is not None:
            for group in self._joined:
                await self.channel_layer.group_discard(group, self.channel_name)
        self._joined = ()
        await self.disconnect(message.get("code", 1000))
        raise StopConsumer()

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        """Close the connection from the server side; frames received later are ignored."""
        self.connection_state = ConnectionState.CLOSED
        await super().close(code=code, reason=reason)

    async def send_text(self, text: str) -> None:
        """Send one text frame, unless the connection is already closed."""
        if self.connection_state is not ConnectionState.CLOSED:
            await self.base_send({"type": "websocket.send", "text": text})

    async def broadcast_message(
        self,
        message: BaseMessage,
        groups: str | Iterable[str] | None = None,
        exclude_current: bool = False,
    ) -> None:
        """Send a message to every member of ``groups`` (default: this connection's groups).

        The message is encoded once here; members receive the same text. With
        ``exclude_current`` this connection does not receive its own broadcast.
        """
        targets = self._joined if groups is None else _group_list(groups)
        event = {
            "type": BROADCAST_TYPE,
            BROADCAST_TEXT_KEY: self.codec.encode(message),
            "action": message.action,
            BROADCAST_SENDER_KEY: self.channel_name if exclude_current else None,
        }
        for group in targets:
            await self.channel_layer.group_send(group, event)

    async def chanx_broadcast(self, message: dict[str, Any]) -> None:
        """Deliver a broadcast from the channel layer to this client."""
        if self.connection_state is not ConnectionState.OPEN:
            return
        if message.get(BROADCAST_SENDER_KEY) == self.channel_name:
            return
        await self.handle_broadcast(message[BROADCAST_TEXT_KEY], message["action"])

    async def chanx_event(self, message: dict[str, Any]) -> None:
        """Handle a server-side event from the channel layer with its ``@event_handler``."""
        if self.connection_state is ConnectionState.OPEN:
            await self.handle_event(message[BROADCAST_TEXT_KEY])

    @classmethod
    def _event_message(cls, event: BaseMessage) -> dict[str, Any]:
        if event.action not in cls.__chanx_spec__.event_handlers:
            raise ValueError(
                f"{cls.__qualname__} has no @event_handler for action {event.action!r}; "
                f"it handles: {sorted(cls.__chanx_spec__.event_handlers) or 'no events'}."
            )
        return {"type": EVENT_TYPE, BROADCAST_TEXT_KEY: event.model_dump_json()}

    @classmethod
    def _layer(cls) -> Any:
        layer = get_channel_layer(cls.channel_layer_alias)
        if layer is None:
            raise RuntimeError(
                f"{cls.__qualname__} cannot send events: no channel layer "
                f"{cls.channel_layer_alias!r} in CHANNEL_LAYERS."
            )
        return layer

    @classmethod
    async def send_event(cls, event: BaseMessage, channel_name: str) -> None:
        """Send an event to one connection (by channel name), handled by its ``@event_handler``."""
        await cls._layer().send(channel_name, cls._event_message(event))

    @classmethod
    async def broadcast_event(cls, event: BaseMessage, groups: str | Iterable[str]) -> None:
        """Send an event to every connection in ``groups``."""
        message = cls._event_message(event)
        layer = cls._layer()
        for group in _group_list(groups):
            await layer.group_send(group, message)

    @classmethod
    def send_event_sync(cls, event: BaseMessage, channel_name: str) -> None:
        """:meth:`send_event` for synchronous code: views, signals, tasks, commands."""
        async_to_sync(cls.send_event)(event, channel_name)

    @classmethod
    def broadcast_event_sync(cls, event: BaseMessage, groups: str | Iterable[str]) -> None:
        """:meth:`broadcast_event` for synchronous code: views, signals, tasks, commands."""
        async_to_sync(cls.broadcast_event)(event, groups)


__all__ = [
    "AsyncJsonWebsocketConsumer",
    "ConnectionState",
    "current_options",
    "get_channel_layer",
]
