"""The topics a connection is subscribed to, and how their frames and pushes are handled.

:class:`TopicsMixin` is the consumer side of :mod:`chanx.core.topics`: it answers
``subscribe`` / ``unsubscribe``, routes a frame naming a topic to that subscription's
topic instance, and delivers the pushes published to a topic. It is framework-neutral;
the adapter supplies how a topic's group is joined and left
(:meth:`TopicsMixin.chanx_join_topic`, :meth:`TopicsMixin.chanx_leave_topic`) and how a
synchronous ``authorize`` runs (:meth:`TopicsMixin.chanx_run_sync`).

Each subscription delivers its pushes in order; an event handler of one topic that takes
long holds up that topic's pushes only, never another topic's or the consumer's own.
"""

from __future__ import annotations

import asyncio
import collections
import inspect
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from chanx.core.cancelling import cancel_and_wait
from chanx.core.codec import FrameError, MessageCodec
from chanx.core.consumer import ChanxWebsocketConsumerMixin, EventT, cached_codec, reply_prefix
from chanx.core.envelope import seq_fragment, with_prefix
from chanx.core.topics import Topic, topic_classes
from chanx.core.wire import SUBSCRIBE_ACTION, UNSUBSCRIBE_ACTION
from chanx.messages.outgoing import (
    SubscribedMessage,
    TopicErrorMessage,
    TopicErrorPayload,
    UnsubscribedMessage,
)

logger = logging.getLogger("chanx.core.subscriptions")

MAX_QUEUED_PUSHES = 1000
"""Pushes one subscription may have waiting for a slow event handler before new ones are
dropped (and logged): a client cannot make the server hold unbounded work for it."""

UNKNOWN_TOPIC = "unknown_topic"
UNAUTHORIZED = "unauthorized"
NOT_SUBSCRIBED = "not_subscribed"
TOO_MANY_SUBSCRIPTIONS = "too_many_subscriptions"
UNAVAILABLE = "unavailable"

_DETAILS = {
    UNKNOWN_TOPIC: "Unknown topic",
    UNAUTHORIZED: "Subscription refused",
    NOT_SUBSCRIBED: "Not subscribed to this topic",
}


class Subscription:
    """One subscribed topic instance of one connection, and the queue of its pushes."""

    def __init__(self, topic: Topic, codec: MessageCodec, send_completion: bool) -> None:
        self.topic = topic
        # The completion signals of this topic's pushes, built once per subscription
        # rather than once per delivered push.
        prefix = topic.push_prefix
        self.group_complete = (
            with_prefix(codec.group_complete_text, prefix) if send_completion else None
        )
        self.event_complete = (
            with_prefix(codec.event_complete_text, prefix) if send_completion else None
        )
        self._pending: collections.deque[Callable[[], Awaitable[None]]] = collections.deque()
        self._wake: asyncio.Event | None = None
        self._worker: asyncio.Task[None] | None = None
        self._busy = False

    @property
    def idle(self) -> bool:
        """Nothing queued or running: a push may be delivered at once, in order."""
        return not self._busy and not self._pending

    def queue(self, job: Callable[[], Awaitable[None]]) -> bool:
        """Queue a delivery; False (dropped) when too many are waiting already."""
        if len(self._pending) >= MAX_QUEUED_PUSHES:
            return False
        self._pending.append(job)
        if self._worker is None:
            self._wake = asyncio.Event()
            self._worker = asyncio.ensure_future(self._work())
        assert self._wake is not None
        self._wake.set()
        return True

    async def _work(self) -> None:
        assert self._wake is not None
        while True:
            while self._pending:
                job = self._pending.popleft()
                self._busy = True
                try:
                    await job()
                except Exception:
                    logger.exception(
                        "%s: a push on topic %r failed",
                        type(self.topic).__qualname__,
                        self.topic.name,
                    )
                finally:
                    self._busy = False
            self._wake.clear()
            await self._wake.wait()

    async def stop(self) -> None:
        """End the delivery task; queued pushes are dropped (the client is leaving)."""
        self._pending.clear()
        if self._worker is not None:
            await cancel_and_wait([self._worker])
            self._worker = None


class TopicsMixin(ChanxWebsocketConsumerMixin[EventT]):
    """Topic subscriptions for a chanx consumer (``topics = [RoomTopic, ...]``).

    Frames that name no topic are the consumer's own, as before; a consumer that mounts
    no topics pays nothing for this.

    * ``max_subscriptions`` (default 50): topics one connection may be subscribed to at
      once; one more is refused with the reason ``too_many_subscriptions``.
    """

    topics: ClassVar[Sequence[type[Topic]]] = ()
    max_subscriptions: ClassVar[int] = 50
    __chanx_topics__: ClassVar[tuple[type[Topic], ...]] = ()

    _subscriptions: dict[str, Subscription] | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.__chanx_topics__ = topic_classes(cls, cls.topics)

    @property
    def subscriptions(self) -> dict[str, Topic]:
        """The topic instances this connection is subscribed to, by name."""
        return {name: sub.topic for name, sub in (self._subscriptions or {}).items()}

    if TYPE_CHECKING:
        # Supplied by the adapter (a mixin after this one in the MRO); declared here only
        # for the type checker, since a real method here would hide the adapter's.
        async def chanx_join_topic(self, topic: Topic) -> None:
            """Join ``topic.group``; raise if that cannot be done."""

        async def chanx_leave_topic(self, topic: Topic) -> None:
            """Leave ``topic.group``."""

    async def chanx_run_sync(self, func: Callable[..., Any], **kwargs: Any) -> Any:
        """Run a synchronous hook off the event loop (adapters may use their own pool)."""
        return await asyncio.to_thread(func, **kwargs)

    def _topic_codec(self, topic_class: type[Topic]) -> MessageCodec:
        return cached_codec(topic_class.__chanx_spec__, self.chanx_options, self.max_json_depth)

    async def _refuse(self, reason: str | None, detail: str | None = None) -> None:
        payload = TopicErrorPayload(
            detail=detail or _DETAILS.get(reason or "", "Error"), reason=reason
        )
        await self.send_message(TopicErrorMessage(payload=payload))

    async def chanx_handle_topic_frame(
        self, topic: str, data: dict[str, Any], frame: str | bytes
    ) -> None:
        """Answer ``subscribe`` / ``unsubscribe``, or hand the frame to its topic's handler."""
        action = data.get(self.chanx_options.action_key)
        if action == SUBSCRIBE_ACTION:
            await self._subscribe(topic)
            return
        if action == UNSUBSCRIBE_ACTION:
            await self._unsubscribe(topic)
            return
        subscription = (self._subscriptions or {}).get(topic)
        if subscription is None:
            await self._refuse(NOT_SUBSCRIBED)
            return
        owner = subscription.topic
        try:
            message = self._topic_codec(type(owner)).decode_object(data)
        except FrameError as exc:
            await self.send_message(
                TopicErrorMessage(payload=TopicErrorPayload(**exc.payload.model_dump()))
            )
            return
        info = type(owner).__chanx_spec__.ws_handlers[message.action]
        await self._run_handler(owner, info.func, info.name, message)

    def _match(self, name: str) -> Topic | None:
        for topic_class in type(self).__chanx_topics__:
            params = topic_class.__chanx_pattern__.match(name)
            if params is not None:
                return topic_class(self, name, params)
        return None

    async def _authorized(self, topic: Topic) -> bool:
        try:
            authorize = topic.authorize
            if inspect.iscoroutinefunction(authorize):
                allowed = await authorize(**topic.params)
            else:
                allowed = await self.chanx_run_sync(authorize, **topic.params)
                if inspect.isawaitable(allowed):
                    allowed = await allowed
        except Exception:
            logger.exception(
                "%s.authorize failed for topic %r; subscription refused",
                type(topic).__qualname__,
                topic.name,
            )
            return False
        return allowed is True

    async def _subscribe(self, name: str) -> None:
        subscriptions = self._subscriptions
        if subscriptions is None:
            subscriptions = self._subscriptions = {}
        if name in subscriptions:
            await self.send_message(SubscribedMessage())
            return
        topic = self._match(name)
        if topic is None:
            await self._refuse(UNKNOWN_TOPIC)
            return
        if len(subscriptions) >= self.max_subscriptions:
            await self._refuse(
                TOO_MANY_SUBSCRIPTIONS,
                f"At most {self.max_subscriptions} subscriptions per connection",
            )
            return
        if not await self._authorized(topic):
            await self._refuse(UNAUTHORIZED)
            return
        if name in subscriptions:  # a concurrent handler subscribed meanwhile
            await self.send_message(SubscribedMessage())
            return
        subscriptions[name] = Subscription(topic, self.codec, self.chanx_options.send_completion)
        try:
            await self.chanx_join_topic(topic)
        except Exception:
            subscriptions.pop(name, None)
            logger.exception("%s: joining topic %r failed", type(self).__qualname__, name)
            await self._refuse(UNAVAILABLE, "The subscription could not be made; try again")
            return
        except BaseException:
            subscriptions.pop(name, None)
            raise
        await self.send_message(SubscribedMessage())
        token = reply_prefix.set(topic.push_prefix)
        try:
            await topic.on_subscribe()
        except Exception:
            logger.exception("%s.on_subscribe failed for %r", type(topic).__qualname__, name)
        finally:
            reply_prefix.reset(token)

    async def _unsubscribe(self, name: str) -> None:
        subscription = (self._subscriptions or {}).pop(name, None)
        if subscription is not None:
            await self._end(subscription)
        await self.send_message(UnsubscribedMessage())

    async def _end(self, subscription: Subscription) -> None:
        """``on_unsubscribe``, then stop its deliveries and leave its group."""
        topic = subscription.topic
        token = reply_prefix.set(topic.push_prefix)
        try:
            await topic.on_unsubscribe()
        except Exception:
            logger.exception(
                "%s.on_unsubscribe failed for %r", type(topic).__qualname__, topic.name
            )
        finally:
            reply_prefix.reset(token)
        await subscription.stop()
        await self.chanx_leave_topic(topic)

    async def chanx_end_subscriptions(self) -> None:
        """End every subscription (the connection is closing); the adapter calls this."""
        subscriptions, self._subscriptions = self._subscriptions, None
        for subscription in (subscriptions or {}).values():
            await self._end(subscription)

    def chanx_topic_subscription(self, name: str) -> Subscription | None:
        """The subscription to topic ``name``, if this connection has one."""
        subscriptions = self._subscriptions
        return None if subscriptions is None else subscriptions.get(name)

    async def chanx_push_topic_text(self, subscription: Subscription, text: str) -> None:
        """Deliver a pre-encoded push, in order with the topic's other pushes.

        Sent at once when nothing of the topic is waiting (the usual case, with no closure
        made per recipient); queued behind a busy event handler of the topic otherwise.
        """
        complete = subscription.group_complete
        if subscription.idle:
            await self.send_text(text)
            if complete is not None:
                await self.send_text(complete)
            return

        async def deliver() -> None:
            await self.send_text(text)
            if complete is not None:
                await self.send_text(complete)

        if not subscription.queue(deliver):
            self._dropped_push(subscription)

    async def chanx_push_topic_event(
        self, subscription: Subscription, text: str, seq: int | None = None
    ) -> None:
        """Handle an event published to a topic with the topic's ``@event_handler``.

        What the handler sends is a push on the topic, stamped with the publisher's
        ``seq`` when it gave one.
        """
        topic = subscription.topic
        spec = type(topic).__chanx_spec__
        if spec.event_adapter is None:
            return
        try:
            event = spec.event_adapter.validate_json(text)
        except ValueError:
            logger.warning(
                "%s cannot handle event %s", type(topic).__qualname__, text[:200], exc_info=True
            )
            return
        info = spec.event_handlers[event.action]

        prefix = topic.push_prefix if seq is None else topic.push_prefix + seq_fragment(seq)

        async def handle() -> None:
            token = reply_prefix.set(prefix)
            try:
                await self._run_handler(topic, info.func, info.name, event)
            finally:
                reply_prefix.reset(token)
            if subscription.event_complete is not None:
                await self.send_text(subscription.event_complete)

        if not subscription.queue(handle):
            self._dropped_push(subscription)

    def _dropped_push(self, subscription: Subscription) -> None:
        logger.warning(
            "%s: %d pushes of topic %r are waiting; a new one was dropped",
            type(self).__qualname__,
            MAX_QUEUED_PUSHES,
            subscription.topic.name,
        )


__all__ = [
    "MAX_QUEUED_PUSHES",
    "NOT_SUBSCRIBED",
    "TOO_MANY_SUBSCRIPTIONS",
    "UNAUTHORIZED",
    "UNAVAILABLE",
    "UNKNOWN_TOPIC",
    "Subscription",
    "TopicsMixin",
]
