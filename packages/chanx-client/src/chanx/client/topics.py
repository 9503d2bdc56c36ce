"""One topic on the client's socket: subscribe, send, request, and iterate over its pushes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, overload

from pydantic import BaseModel, TypeAdapter

from chanx.client.envelope import (
    SUBSCRIBE_ACTION,
    SUBSCRIBED_ACTION,
    UNSUBSCRIBE_ACTION,
    encode,
    encode_signal,
    envelope_prefix,
)
from chanx.client.errors import ServerError, SubscriptionRefused
from chanx.client.inbox import Inbox

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

logger = logging.getLogger("chanx.client")

TIn = TypeVar("TIn")
T = TypeVar("T")


class TopicOwner(Protocol):
    """What a topic handle sends through: a client, or one stream of a multiplexed client."""

    async def _send_text(self, text: str) -> None: ...

    async def _exchange(
        self,
        build: Callable[[int], str],
        adapter: TypeAdapter[Any] | None,
        expect: type[Any] | None,
        timeout: float | None,
        ws: ClientConnection | None = None,
    ) -> Any: ...

    def _validated(self, adapter: TypeAdapter[Any], data: dict[str, Any]) -> Any | None: ...


class TopicHandle(Generic[TIn]):
    """A topic instance (``"room:5"``) on a client's socket.

    Get one from :meth:`ChanxClient.topic` (generated clients have a typed method per topic
    pattern, e.g. ``client.room_topic(pk=5)``); there is one handle per topic name.
    :meth:`subscribe` first, then iterate to receive the topic's pushes and use
    :meth:`send` / :meth:`request` for its messages::

        room = client.room_topic(name="lobby")
        await room.subscribe()
        await room.send(ChatMessage(payload=Text(text="hi")))
        async for message in room:
            ...

    The subscription is restored after every reconnect. If the server refuses it then
    (the user lost access), iteration ends with :class:`SubscriptionRefused`.
    """

    def __init__(self, client: TopicOwner, name: str, incoming: TypeAdapter[Any]) -> None:
        self.name = name
        self.incoming = incoming
        self._client = client
        self._inbox: Inbox[TIn] = Inbox()
        self._prefix = envelope_prefix(None, name)
        self._wanted = False
        self.last_seq: int | None = None
        """The ``seq`` of the last push received on this topic (None before any)."""
        self.gaps = 0
        """How many times a push's ``seq`` did not follow the previous one (pushes lost)."""

    def __repr__(self) -> str:
        return f"<TopicHandle {self.name!r} subscribed={self._wanted}>"

    @property
    def subscribed(self) -> bool:
        """Whether the client holds (or, while reconnecting, restores) this subscription."""
        return self._wanted

    async def subscribe(self, *, timeout: float | None = None) -> None:
        """Subscribe; returns once the server confirmed (``subscribed``).

        Raises :class:`SubscriptionRefused` with the server's ``reason`` (``unknown_topic``,
        ``unauthorized``, ``too_many_subscriptions``). Subscribing twice does nothing.
        """
        if self._wanted:
            return
        if self._inbox.ended:
            self._inbox = Inbox()
        # Wanted before the frame goes out: the topic's first pushes may come before its
        # ``subscribed`` reply.
        self._wanted = True
        try:
            await self._subscribe_on(None, timeout)
        except BaseException as exc:
            self._drop(exc if isinstance(exc, SubscriptionRefused) else None)
            raise

    async def unsubscribe(self, *, timeout: float | None = None) -> None:
        """Leave the topic; iteration over it ends once the messages already received are read."""
        if not self._wanted:
            return
        self._wanted = False
        try:
            reply = await self._client._exchange(
                lambda ref: encode_signal(UNSUBSCRIBE_ACTION, envelope_prefix(ref, self.name)),
                None,
                None,
                timeout,
            )
            if reply.get("action") == "error":
                raise ServerError(reply.get("payload"))
        finally:
            self._drop(None)

    async def send(self, message: BaseModel, *, ref: str | int | None = None) -> None:
        """Send ``message`` on this topic (``ref``: optional correlation id of your own)."""
        await self._client._send_text(encode(message, envelope_prefix(ref, self.name)))

    @overload
    async def request(
        self, message: BaseModel, *, timeout: float | None = None, expect: None = None
    ) -> TIn: ...

    @overload
    async def request(
        self, message: BaseModel, *, timeout: float | None = None, expect: type[T]
    ) -> T: ...

    async def request(
        self, message: BaseModel, *, timeout: float | None = None, expect: type[Any] | None = None
    ) -> Any:
        """Send ``message`` on this topic and return its reply (see :meth:`ChanxClient.request`)."""
        name = self.name
        return await self._client._exchange(
            lambda ref: encode(message, envelope_prefix(ref, name)), self.incoming, expect, timeout
        )

    def __aiter__(self) -> Inbox[TIn]:
        return self._inbox

    async def _subscribe_on(self, ws: ClientConnection | None, timeout: float | None) -> None:
        """Send ``subscribe`` (on ``ws`` while restoring, else once the client is open)."""
        name = self.name
        reply = await self._client._exchange(
            lambda ref: encode_signal(SUBSCRIBE_ACTION, envelope_prefix(ref, name)),
            None,
            None,
            timeout,
            ws,
        )
        if reply.get("action") != SUBSCRIBED_ACTION:
            raise SubscriptionRefused(name, reply.get("payload"))

    def _drop(self, error: BaseException | None) -> None:
        """Forget the subscription: end iteration (with ``error``) and stop routing frames here."""
        self._wanted = False
        self._inbox.end(error)

    def _deliver(self, data: dict[str, Any], seq: object) -> None:
        """Validate a frame received on this topic and queue it for the iterator."""
        if type(seq) is int:
            last = self.last_seq
            if last is not None and seq != last + 1:
                self.gaps += 1
                logger.debug("topic %s: seq %s after %s, pushes were lost", self.name, seq, last)
            self.last_seq = seq
        message = self._client._validated(self.incoming, data)
        if message is not None:
            self._inbox.put(message)


__all__ = ["TopicHandle", "TopicOwner"]
