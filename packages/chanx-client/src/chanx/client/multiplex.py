"""Several consumers on one socket: the envelope of a multiplexed route, and its streams.

A chanx demultiplexer (docs/multiplexing.md) serves sub-consumers over one connection. A
frame for stream ``chat`` travels as ``{"version": 1, "consumer": "chat", "message": <frame>}``
(the field names and the version are the route's, from ``x-chanx-multiplex``); the inner
frame is exactly what the consumer speaks on a route of its own, ``ref`` and ``topic``
included. Frames without the consumer field are the demultiplexer's own.

A client of a multiplexed route sets :attr:`ChanxClient.multiplexing` and lists its
:class:`MultiplexStream` classes in :attr:`ChanxClient.streams`; each stream is an object
with the client's sending and receiving API (``send``, ``request``, iteration, ``topic``)
for one key. The client's ``connect()`` returns once the server's ``multiplex_ready``
handshake came, so what a stream sends after it reaches a sub-consumer that has joined its
groups.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast, overload

from pydantic import BaseModel, TypeAdapter

from chanx.client.envelope import check_ref, encode, envelope_prefix
from chanx.client.errors import ClientClosed
from chanx.client.inbox import Inbox
from chanx.client.routing import MessageRoute, parse_object
from chanx.client.topics import TopicHandle

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

    from chanx.client.connection import ChanxClient

logger = logging.getLogger("chanx.client")

InT = TypeVar("InT")
OutT = TypeVar("OutT")
T = TypeVar("T")

READY_ACTION = "multiplex_ready"
"""The demultiplexer's handshake: sent once, when every sub-consumer finished connecting."""

_RAW: TypeAdapter[Any] = TypeAdapter(dict[str, Any])


@dataclass(frozen=True)
class Multiplexing:
    """How a multiplexed route wraps the frames of its streams (``x-chanx-multiplex``)."""

    consumer_field: str = "consumer"
    message_field: str = "message"
    version_field: str = "version"
    version: int = 1
    _marker: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = (self.consumer_field, self.message_field, self.version_field)
        if not all(names) or len(set(names)) < 3:
            raise ValueError(f"Multiplexing needs three different field names, got {names!r}")
        object.__setattr__(self, "_marker", json.dumps(self.consumer_field))

    def prefix(self, key: str) -> str:
        """The text every frame of stream ``key`` starts with, up to its inner frame.

        The server writes its envelopes the same way, so a received frame that starts with
        it is unwrapped by slicing, without parsing the envelope.
        """
        return (
            f"{{{json.dumps(self.version_field)}:{self.version},"
            f"{json.dumps(self.consumer_field)}:{json.dumps(key, ensure_ascii=False)},"
            f"{json.dumps(self.message_field)}:"
        )

    def may_be_enveloped(self, frame: str) -> bool:
        """Whether ``frame`` might be a stream's envelope (it surely is not when False)."""
        return self._marker in frame


@dataclass(frozen=True)
class MultiplexReady:
    """The ``multiplex_ready`` handshake: which streams this connection serves."""

    ready: tuple[str, ...]
    unavailable: tuple[str, ...]


class MultiplexStream(Generic[InT, OutT]):
    """One sub-consumer's stream on a multiplexed client's socket.

    Generated clients of a multiplexed route have one subclass per key, reached as an
    attribute of the demultiplexer's client::

        async with AppClient("ws://localhost:8000") as app:
            if "chat" in app.ready.ready:
                reply = await app.chat.request_echo(Text(text="hi"))
            async for message in app.chat:
                ...

    A stream shares its client's connection, reconnects and errors; its iterator ends when
    the client stops. The server starts every sub-consumer afresh on each connection: a
    stream's topic subscriptions are restored after a reconnect like the client's own.
    """

    key: ClassVar[str] = ""
    """The stream's key in the envelope (``consumerKey``)."""

    incoming: ClassVar[TypeAdapter[Any]] = _RAW
    """Validates what the sub-consumer sends (inner frames); dicts when not overridden."""

    def __init__(self, client: ChanxClient[Any, Any], multiplexing: Multiplexing) -> None:
        key = type(self).key
        if not key:
            raise TypeError(f"{type(self).__name__} must set the class attribute `key`")
        self.client = client
        self.prefix = multiplexing.prefix(key)
        self._route: MessageRoute[InT] = MessageRoute(
            f"{client.url} [{key}]", type(self).incoming, client._requests
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {type(self).key!r} of {self.client!r}>"

    @property
    def available(self) -> bool | None:
        """Whether the server serves this stream (None before ``multiplex_ready`` came)."""
        ready = self.client.ready
        return None if ready is None else type(self).key in ready.ready

    async def send(
        self, message: OutT, *, ref: str | int | None = None, topic: str | None = None
    ) -> None:
        """Send ``message`` on this stream (see :meth:`ChanxClient.send`)."""
        if ref is not None:
            check_ref(ref)
        self._check_available()
        text = encode(cast(BaseModel, message), envelope_prefix(ref, topic))
        await self.client._send_text(self.prefix + text + "}")

    @overload
    async def request(
        self,
        message: OutT,
        *,
        topic: str | None = None,
        timeout: float | None = None,
        expect: None = None,
    ) -> InT: ...

    @overload
    async def request(
        self,
        message: OutT,
        *,
        topic: str | None = None,
        timeout: float | None = None,
        expect: type[T],
    ) -> T: ...

    async def request(
        self,
        message: OutT,
        *,
        topic: str | None = None,
        timeout: float | None = None,
        expect: type[Any] | None = None,
    ) -> Any:
        """Send ``message`` on this stream and return its reply (see :meth:`ChanxClient.request`).

        The ``ref`` goes inside the inner frame, where the sub-consumer's replies carry it.
        """
        self._check_available()
        model = cast(BaseModel, message)
        handle = self._route.topics.get(topic) if topic is not None else None
        adapter = handle.incoming if handle is not None else self._route.adapter
        prefix = self.prefix
        return await self.client._exchange(
            lambda ref: prefix + encode(model, envelope_prefix(ref, topic)) + "}",
            adapter,
            expect,
            timeout,
        )

    def messages(self) -> Inbox[InT]:
        """Its received messages that no request took (see :meth:`ChanxClient.messages`)."""
        return self._route.inbox

    def __aiter__(self) -> Inbox[InT]:
        return self._route.inbox

    @overload
    def topic(self, name: str, incoming: TypeAdapter[T]) -> TopicHandle[T]: ...

    @overload
    def topic(self, name: str, incoming: None = None) -> TopicHandle[Any]: ...

    def topic(self, name: str, incoming: TypeAdapter[Any] | None = None) -> TopicHandle[Any]:
        """The handle of topic ``name`` on this stream's sub-consumer (one per name)."""
        topics = self._route.topics
        handle = topics.get(name)
        if handle is None:
            adapter = incoming if incoming is not None else self._route.adapter
            handle = topics[name] = TopicHandle(self, name, adapter)
        elif incoming is not None:
            handle.incoming = incoming
        return handle

    def _check_available(self) -> None:
        if self.available is False:
            raise ClientClosed(
                f"The server does not serve stream {type(self).key!r} on this connection "
                f"(multiplex_ready listed it as unavailable: {self.client.ready})"
            )

    # What TopicHandle needs of its owner.

    async def _send_text(self, text: str) -> None:
        await self.client._send_text(self.prefix + text + "}")

    async def _exchange(
        self,
        build: Callable[[int], str],
        adapter: TypeAdapter[Any] | None,
        expect: type[Any] | None,
        timeout: float | None,
        ws: ClientConnection | None = None,
    ) -> Any:
        prefix = self.prefix
        return await self.client._exchange(
            lambda ref: prefix + build(ref) + "}", adapter, expect, timeout, ws
        )

    def _validated(self, adapter: TypeAdapter[Any], data: dict[str, Any]) -> Any | None:
        return self._route.validated(adapter, data)


class Demultiplexer:
    """Routes a multiplexed socket's frames: each stream's to its route, the rest to the client's.

    A stream's frame as the server writes it (its prefix, the inner frame, ``}``) is
    unwrapped by slicing; any other envelope is parsed. ``on_ready`` gets the handshake.
    """

    __slots__ = ("_by_key", "_multiplexing", "_on_ready", "_own", "_prefixes")

    def __init__(
        self,
        multiplexing: Multiplexing,
        own: MessageRoute[Any],
        streams: list[MultiplexStream[Any, Any]],
        on_ready: Callable[[MultiplexReady], None],
    ) -> None:
        self._multiplexing = multiplexing
        self._own = own
        self._by_key = {type(stream).key: stream._route for stream in streams}
        self._prefixes = [(stream.prefix, stream._route) for stream in streams]
        self._on_ready = on_ready

    def on_frame(self, frame: str) -> None:
        """Route one frame of the socket."""
        if self._multiplexing.may_be_enveloped(frame):
            for prefix, route in self._prefixes:
                if frame.startswith(prefix) and frame.endswith("}"):
                    route.on_frame(frame[len(prefix) : -1])
                    return
            data = parse_object(frame, self._own.source)
            if data is None:
                return
            key = data.get(self._multiplexing.consumer_field)
            inner = data.get(self._multiplexing.message_field)
            if type(key) is str and type(inner) is dict:
                stream_route = self._by_key.get(key)
                if stream_route is None:
                    logger.debug("chanx client %s: skipped stream %r", self._own.source, key)
                else:
                    stream_route.on_data(inner)
                return
            self._own.on_data(data)
            return
        if READY_ACTION in frame:
            data = parse_object(frame, self._own.source)
            if data is None:
                return
            if data.get("action") == READY_ACTION:
                self._ready(data.get("payload"))
            self._own.on_data(data)
            return
        self._own.on_frame(frame)

    def _ready(self, payload: object) -> None:
        if not isinstance(payload, dict):
            logger.warning("chanx client %s: malformed multiplex_ready", self._own.source)
            return
        ready, unavailable = payload.get("ready") or [], payload.get("unavailable") or []
        self._on_ready(
            MultiplexReady(tuple(str(k) for k in ready), tuple(str(k) for k in unavailable))
        )


__all__ = ["READY_ACTION", "Demultiplexer", "MultiplexReady", "MultiplexStream", "Multiplexing"]
