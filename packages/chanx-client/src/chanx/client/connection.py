"""The chanx client: one WebSocket, typed messages, requests by ``ref``, topics, reconnects.

One task per client (the *supervisor*) reads the socket: it parses and validates each
frame once, hands replies to the requests waiting for their ``ref`` and everything else to
the message iterator or to a topic's. When the connection drops it fails the waiting
requests, decides from the close code whether to come back (:mod:`chanx.client.reconnect`),
reconnects with backoff and restores the topic subscriptions. :meth:`ChanxClient.close`
cancels it and waits for it, so no task outlives the client.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Generic, TypeVar, cast, overload

from pydantic import BaseModel, TypeAdapter
from typing_extensions import Self, Unpack
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as websocket_connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.typing import Subprotocol

from chanx.client.envelope import check_ref, encode, envelope_prefix
from chanx.client.errors import (
    AuthenticationRefused,
    ClientClosed,
    ConnectionClosedByServer,
    ConnectionLost,
    RequestTimeout,
    SubscriptionRefused,
)
from chanx.client.inbox import Inbox
from chanx.client.multiplex import Demultiplexer, Multiplexing, MultiplexReady, MultiplexStream
from chanx.client.options import DEFAULT_REQUEST_TIMEOUT, ClientOptions
from chanx.client.pending import PendingRequests
from chanx.client.reconnect import (
    ABNORMAL_CLOSURE,
    NORMAL_CLOSURE,
    CloseOutcome,
    ReconnectPolicy,
    close_outcome,
    handshake_outcome,
)
from chanx.client.routing import MessageRoute
from chanx.client.states import ClientState, StateChange
from chanx.client.topics import TopicHandle
from chanx.client.transport import connection_class
from chanx.client.urls import socket_url

logger = logging.getLogger("chanx.client")

InT = TypeVar("InT")
OutT = TypeVar("OutT")
T = TypeVar("T")
S = TypeVar("S", bound=MultiplexStream[Any, Any])

_RAW: TypeAdapter[Any] = TypeAdapter(dict[str, Any])


class ChanxClient(Generic[InT, OutT]):
    """A typed client of one chanx WebSocket endpoint.

    Subclasses (generated from an AsyncAPI document, or written by hand) set ``address``
    (the channel's path, ``{name}`` placeholders filled from ``path_params``) and
    ``incoming`` (a ``TypeAdapter`` of the union of messages the server sends)::

        class ChatClient(ChanxClient[ChatIncoming, ChatOutgoing]):
            address: ClassVar[str] = "/ws/chat/{room}/"
            incoming: ClassVar[TypeAdapter[Any]] = TypeAdapter(ChatIncoming)

        async with ChatClient("ws://localhost:8000", path_params={"room": "lobby"},
                              headers={"Authorization": "Token ..."}) as client:
            await client.send(ChatMessage(payload=Text(text="hi")))
            async for message in client:
                ...

    Used directly, ``ChanxClient(url)`` talks to ``url`` and yields frames as dicts.
    """

    address: ClassVar[str] = ""
    """The channel's address, e.g. ``/ws/chat/{room}/``; empty when ``base_url`` is the URL."""

    incoming: ClassVar[TypeAdapter[Any]] = _RAW
    """Validates what the server sends (its outgoing union); dicts when not overridden."""

    multiplexing: ClassVar[Multiplexing | None] = None
    """Set on the client of a multiplexed route (a demultiplexer): how its streams' frames
    are wrapped. Its own frames (``incoming``, the client's ``send``) are not wrapped."""

    streams: ClassVar[tuple[type[MultiplexStream[Any, Any]], ...]] = ()
    """The stream classes of a multiplexed route, one per key (see :meth:`stream`)."""

    def __init__(
        self,
        base_url: str,
        *,
        path_params: Mapping[str, object] | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        self.url = socket_url(base_url, self.address, path_params)
        headers = list(options.get("headers", {}).items())
        cookies = options.get("cookies")
        if cookies:
            headers.append(
                ("Cookie", "; ".join(f"{key}={value}" for key, value in cookies.items()))
            )
        self._headers = headers
        self._subprotocols = [Subprotocol(p) for p in options.get("subprotocols", ())] or None
        self._policy: ReconnectPolicy | None = options.get("reconnect", ReconnectPolicy())
        self._request_timeout = options.get("request_timeout", DEFAULT_REQUEST_TIMEOUT)
        self._on_state_change = options.get("on_state_change")
        self._open_timeout = options.get("open_timeout", 10.0)
        self._max_size = options.get("max_size", 2**20)
        self._compression = options.get("compression", "deflate")

        cls = type(self)
        self._adapter = cls.incoming
        self._requests = PendingRequests()
        self._route: MessageRoute[InT] = MessageRoute(self.url, self._adapter, self._requests)
        self._streams: dict[str, MultiplexStream[Any, Any]] = {}
        self._ready_info: MultiplexReady | None = None
        self._handshake: asyncio.Future[None] | None = None
        multiplexing = cls.multiplexing
        if multiplexing is None:
            if cls.streams:
                raise TypeError(f"{cls.__name__} lists streams but sets no `multiplexing`")
            self._connection_class = connection_class(self._route.on_frame)
        else:
            for stream_class in cls.streams:
                self._streams[stream_class.key] = stream_class(self, multiplexing)
            demultiplexer = Demultiplexer(
                multiplexing, self._route, list(self._streams.values()), self._on_ready
            )
            self._connection_class = connection_class(demultiplexer.on_frame)
        self._state = ClientState.IDLE
        self._ws: ClientConnection | None = None
        self._ready = False
        self._open_waiters: list[asyncio.Future[None]] = []
        self._failure: BaseException | None = None
        self._closing = False
        self._supervisor: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url} {self._state.value}>"

    @property
    def state(self) -> ClientState:
        """Where the client is in its life (see :class:`ClientState`)."""
        return self._state

    @property
    def ready(self) -> MultiplexReady | None:
        """A multiplexed client's last ``multiplex_ready`` handshake: its usable streams.

        None before the first one (and always on a route that is not multiplexed).
        """
        return self._ready_info

    def stream(self, stream_class: type[S]) -> S:
        """The client's stream of ``stream_class`` (generated clients have a property per key)."""
        stream = self._streams.get(stream_class.key)
        if not isinstance(stream, stream_class):
            raise KeyError(f"{type(self).__name__} has no stream {stream_class.__name__}")
        return stream

    # Lifecycle

    async def connect(self) -> None:
        """Open the connection; returns once the handshake succeeded.

        Errors of this first handshake are raised, not retried: :class:`AuthenticationRefused`
        for HTTP 401/403 (wrong credentials, or an ``Origin`` the server refuses),
        ``OSError`` when nothing listens, ``TimeoutError`` after ``open_timeout``. Once
        open, the client reconnects by itself. Calling it on an open client does nothing;
        after :meth:`close`, it opens a new session (with a new message iterator).
        """
        if self._state in (ClientState.OPEN, ClientState.CONNECTING, ClientState.RECONNECTING):
            return
        self._reset()
        await self._change(ClientState.CONNECTING)
        try:
            ws = await self._dial()
        except InvalidStatus as exc:
            error = self._handshake_error(exc)
            await self._finish(error, None, "", error)
            raise error from exc
        except BaseException as exc:
            await self._finish(exc, None, "", exc)
            raise
        if self._closing:
            await ws.close()
            raise ClientClosed("close() was called while the client was connecting")
        if not await self._handshake_done(ws):
            await ws.close()
            error = TimeoutError(
                f"No multiplex_ready from {self.url} within {self._open_timeout:g} s"
            )
            await self._finish(error, None, "", error)
            raise error
        self._set_open(ws)
        self._supervisor = asyncio.get_running_loop().create_task(
            self._supervise(ws), name=f"chanx-client {self.url}"
        )
        await self._change(ClientState.OPEN)

    async def close(self, code: int = NORMAL_CLOSURE, reason: str = "") -> None:
        """Close the connection and stop the client; every task it started has ended on return.

        Waiting requests fail with :class:`ConnectionLost`; iterators end after the
        messages already received. Closing a closed client does nothing.
        """
        if self._state in (ClientState.IDLE, ClientState.CLOSED) or self._closing:
            return
        self._closing = True
        ws = self._ws
        try:
            task = self._supervisor
            if task is not None and task is not asyncio.current_task():
                task.cancel()
                await asyncio.wait([task])
            ws = self._ws or ws
            if ws is not None:
                keepalive: asyncio.Task[None] | None = getattr(ws, "keepalive_task", None)
                await ws.close(code, reason)
                if keepalive is not None:
                    await asyncio.wait([keepalive])
        finally:
            await self._finish(
                None,
                code,
                reason,
                ClientClosed("The client is closed: call connect() to reopen it"),
            )

    async def wait_closed(self) -> None:
        """Return once the client stopped: after :meth:`close` or a close code it obeys."""
        task = self._supervisor
        if task is not None:
            await asyncio.wait([task])

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # Sending

    async def send(
        self, message: OutT, *, ref: str | int | None = None, topic: str | None = None
    ) -> None:
        """Send ``message`` (serialized once); waits while the client reconnects.

        ``ref`` is an optional correlation id of your own: the server puts it on every reply
        to this frame (those replies come through the message iterator). Raises the error
        that stopped the client when it is closed.
        """
        if ref is not None:
            check_ref(ref)
        text = encode(cast(BaseModel, message), envelope_prefix(ref, topic))
        await self._send_text(text)

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
        """Send ``message`` with a fresh ``ref`` and return the server's reply to it.

        The reply is the first frame carrying that ``ref`` that is not ``complete``,
        validated like any incoming message (with ``topic``: by that topic's handle). Raises
        :class:`ServerError` when it is an ``error``, :class:`NoReply` when ``complete``
        comes first (the handler returned nothing), :class:`UnexpectedReply` when it is not
        an ``expect`` instance, :class:`RequestTimeout` (a ``TimeoutError``) after
        ``timeout`` seconds (default: the client's ``request_timeout``), and
        :class:`ConnectionLost` when the connection drops first. Other frames carrying the
        ``ref`` after the reply go to the message iterator.
        """
        model = cast(BaseModel, message)
        handle = self._route.topics.get(topic) if topic is not None else None
        adapter = handle.incoming if handle is not None else self._adapter
        return await self._exchange(
            lambda ref: encode(model, envelope_prefix(ref, topic)), adapter, expect, timeout
        )

    # Receiving

    def messages(self) -> Inbox[InT]:
        """The async iterator of received messages that no request took as its reply.

        Server pushes (broadcasts, events) and replies to frames sent without a request,
        validated with ``incoming``. Actions the client does not know are skipped (a newer
        server). Iteration ends when the client is closed, or raises the error that stopped
        it (:class:`AuthenticationRefused`, :class:`ConnectionClosedByServer`,
        :class:`ConnectionLost` once reconnecting gave up). Messages are kept until read.
        """
        return self._route.inbox

    def __aiter__(self) -> Inbox[InT]:
        return self._route.inbox

    @overload
    def topic(self, name: str, incoming: TypeAdapter[T]) -> TopicHandle[T]: ...

    @overload
    def topic(self, name: str, incoming: None = None) -> TopicHandle[Any]: ...

    def topic(self, name: str, incoming: TypeAdapter[Any] | None = None) -> TopicHandle[Any]:
        """The handle of topic ``name`` (one per name); its frames validated with ``incoming``.

        Without ``incoming``, a new handle validates with the client's own adapter and an
        existing one keeps its adapter.
        """
        topics = self._route.topics
        handle = topics.get(name)
        if handle is None:
            adapter = incoming if incoming is not None else self._adapter
            handle = topics[name] = TopicHandle(self, name, adapter)
        elif incoming is not None:
            handle.incoming = incoming
        return handle

    # Internals shared with TopicHandle

    async def _send_text(self, text: str) -> None:
        ws = self._ws if self._ready else await self._open_socket(None)
        assert ws is not None
        try:
            await ws.send(text)
        except ConnectionClosed as exc:
            raise ConnectionLost(
                "The connection closed while sending; retry once reconnected"
            ) from exc

    async def _exchange(
        self,
        build: Callable[[int], str],
        adapter: TypeAdapter[Any] | None,
        expect: type[Any] | None,
        timeout: float | None,
        ws: ClientConnection | None = None,
    ) -> Any:
        """Send the frame ``build(ref)`` and wait for the first frame carrying that ``ref``.

        ``adapter`` None returns the raw frame (protocol requests); ``ws`` sends on that
        connection even before the client is open (restoring subscriptions).
        """
        seconds = self._request_timeout if timeout is None else timeout
        ref, pending = self._requests.add(asyncio.get_running_loop(), adapter, expect, seconds)
        future = pending.future
        try:
            if ws is None:
                ws = self._ws if self._ready else await self._open_socket(future)
            assert ws is not None
            try:
                await ws.send(build(ref))
            except ConnectionClosed as exc:
                raise ConnectionLost(
                    "The connection closed before the request was sent; retry once reconnected"
                ) from exc
            return await future
        finally:
            self._requests.waiting.pop(ref, None)

    async def _open_socket(self, deadline: asyncio.Future[Any] | None) -> ClientConnection:
        """The open connection, once there is one; raises if the client stopped meanwhile.

        With ``deadline`` (a request's reply future), gives up when it completes first.
        """
        while not self._ready:
            if self._state in (ClientState.IDLE, ClientState.CLOSED):
                raise self._failure or ClientClosed("The client is not connected: call connect()")
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._open_waiters.append(waiter)
            try:
                if deadline is None:
                    await waiter
                else:
                    await asyncio.wait((waiter, deadline), return_when=asyncio.FIRST_COMPLETED)
                    if deadline.done():
                        deadline.result()
            finally:
                if waiter in self._open_waiters:
                    self._open_waiters.remove(waiter)
        assert self._ws is not None
        return self._ws

    def _validated(self, adapter: TypeAdapter[Any], data: dict[str, Any]) -> Any | None:
        """``data`` validated with ``adapter``; None (logged) when it does not validate."""
        return self._route.validated(adapter, data)

    # The supervisor

    def _reset(self) -> None:
        """Start a new session: fresh iterator, no error, no leftover subscriptions."""
        self._failure = None
        self._closing = False
        for route in self._routes():
            route.renew_inbox()
        self._requests.fail_all(ClientClosed("A new session started"))

    def _set_open(self, ws: ClientConnection) -> None:
        self._ws = ws
        self._ready = True
        self._state = ClientState.OPEN
        self._wake_open_waiters()

    def _wake_open_waiters(self) -> None:
        waiters, self._open_waiters = self._open_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def _dial(self) -> ClientConnection:
        if self.multiplexing is not None:
            # Before the handshake: multiplex_ready may come in the same packet as its response.
            self._handshake = asyncio.get_running_loop().create_future()
        return await websocket_connect(
            self.url,
            additional_headers=self._headers,
            subprotocols=self._subprotocols,
            open_timeout=self._open_timeout,
            max_size=self._max_size,
            compression=self._compression,
            create_connection=self._connection_class,
        )

    def _on_ready(self, ready: MultiplexReady) -> None:
        self._ready_info = ready
        if self._handshake is not None and not self._handshake.done():
            self._handshake.set_result(None)

    async def _handshake_done(self, ws: ClientConnection) -> bool:
        """Wait for a multiplexed route's ``multiplex_ready`` (at once for other routes).

        True once it came or the connection closed first (the supervisor then handles the
        close code like any other); False after ``open_timeout``.
        """
        handshake = self._handshake
        if handshake is None or handshake.done():
            return True
        closed = asyncio.ensure_future(ws.wait_closed())
        try:
            done, _ = await asyncio.wait(
                (handshake, closed), timeout=self._open_timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            closed.cancel()
            await asyncio.wait([closed])
        return bool(done)

    def _handshake_error(self, exc: InvalidStatus) -> BaseException:
        status = exc.response.status_code
        outcome = handshake_outcome(status)
        if outcome is CloseOutcome.REFUSED:
            return AuthenticationRefused(4000 + status, f"HTTP {status} at the handshake")
        return ConnectionLost(f"The server answered the handshake with HTTP {status}")

    async def _supervise(self, ws: ClientConnection) -> None:
        """Read until the connection ends; reconnect while the close codes allow it."""
        announce = False
        try:
            while True:
                code, reason = await self._serve(ws, announce)
                self._ws = None
                self._ready = False
                self._fail_pending(code)
                if self._closing:
                    return
                outcome = close_outcome(code)
                if outcome is CloseOutcome.RECONNECT and self._policy is not None:
                    reconnected = await self._reconnect(self._policy, code, reason)
                    if reconnected is None:
                        return
                    ws, announce = reconnected, True
                    continue
                await self._stop_after(outcome, code, reason)
                return
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            logger.exception("chanx client %s stopped on an unexpected error", self.url)
            if self._ws is not None:
                await self._ws.close(1011)
            await self._finish(exc, ABNORMAL_CLOSURE, "", exc)

    async def _serve(self, ws: ClientConnection, announce: bool) -> tuple[int, str]:
        """Dispatch the frames of one connection; returns its close code and reason.

        After a reconnect (``announce``) the client opens once the subscriptions are
        restored, by a task that this connection's end stops.
        """
        restore: asyncio.Task[None] | None = None
        if announce:
            wanted = [
                handle
                for route in self._routes()
                for handle in route.topics.values()
                if handle.subscribed
            ]
            restore = asyncio.get_running_loop().create_task(
                self._restore(ws, wanted), name=f"chanx-client restore {self.url}"
            )
        # Frames reach the routes from the connection itself (chanx.client.transport);
        # this task only waits for the connection's end.
        keepalive: asyncio.Task[None] | None = getattr(ws, "keepalive_task", None)
        try:
            await ws.wait_closed()
            # The connection cancelled its keepalive task when it was lost; let it end
            # here, so nothing of this connection outlives it.
            if keepalive is not None:
                await asyncio.wait([keepalive])
            return ws.close_code or ABNORMAL_CLOSURE, ws.close_reason or ""
        finally:
            if restore is not None and not restore.done():
                restore.cancel()
                await asyncio.wait([restore])

    async def _restore(self, ws: ClientConnection, handles: list[TopicHandle[Any]]) -> None:
        """Subscribe again to the topics held before the reconnect, then open the client.

        A multiplexed client first waits for ``multiplex_ready``: the server starts every
        sub-consumer afresh, and a stream's topics can be subscribed once it is there.
        """
        if not await self._handshake_done(ws):
            logger.warning("chanx client %s: no multiplex_ready after reconnecting", self.url)
            await ws.close(1011)
            return
        for handle in handles:
            try:
                await handle._subscribe_on(ws, None)
            except SubscriptionRefused as exc:
                logger.warning("chanx client %s: %s after reconnecting", self.url, exc)
                handle._drop(exc)
            except ConnectionLost:
                return
            except RequestTimeout as exc:
                logger.warning("chanx client %s: resubscribing %s: %s", self.url, handle.name, exc)
        self._set_open(ws)
        await self._change(ClientState.OPEN)

    async def _reconnect(
        self, policy: ReconnectPolicy, code: int, reason: str
    ) -> ClientConnection | None:
        """Dial again with backoff; None once the client stopped (refused, gave up, closed)."""
        attempt = 0
        while True:
            attempt += 1
            delay = policy.delay(attempt)
            await self._change(
                ClientState.RECONNECTING, code=code, reason=reason, attempt=attempt, delay=delay
            )
            await asyncio.sleep(delay)
            if self._closing:
                return None
            try:
                ws = await self._dial()
            except InvalidStatus as exc:
                status = exc.response.status_code
                if handshake_outcome(status) is not CloseOutcome.RECONNECT:
                    error = self._handshake_error(exc)
                    await self._finish(error, code, reason, error)
                    return None
                failure: BaseException = exc
            except (OSError, asyncio.TimeoutError, InvalidHandshake) as exc:
                failure = exc
            else:
                if self._closing:
                    await ws.close()
                    return None
                return ws
            logger.debug("chanx client %s: attempt %d failed: %r", self.url, attempt, failure)
            if policy.gives_up_after(attempt):
                error = ConnectionLost(
                    f"Could not reconnect to {self.url} after {attempt} attempts: {failure}"
                )
                error.__cause__ = failure
                await self._finish(error, code, reason, error)
                return None

    async def _stop_after(self, outcome: CloseOutcome, code: int, reason: str) -> None:
        """Stop for good after a close code that forbids reconnecting (or with no policy)."""
        error: BaseException | None
        if outcome is CloseOutcome.REFUSED:
            error = AuthenticationRefused(code, reason)
            later: BaseException = error
        elif outcome is CloseOutcome.CLOSED:
            error, later = None, ConnectionClosedByServer(code, reason)
        elif outcome is CloseOutcome.RECONNECT:
            error = ConnectionLost(f"The connection closed (code {code}) and reconnect is off")
            later = error
        else:
            error = ConnectionClosedByServer(code, reason)
            later = error
        await self._finish(error, code, reason, later)

    def _fail_pending(self, code: int) -> None:
        self._requests.fail_all(
            ConnectionLost(f"The connection closed (code {code}) before the reply came")
        )

    def _routes(self) -> list[MessageRoute[Any]]:
        """The client's own route and its streams' (a multiplexed client has several)."""
        return [self._route, *(stream._route for stream in self._streams.values())]

    async def _finish(
        self,
        error: BaseException | None,
        code: int | None,
        reason: str,
        later: BaseException,
    ) -> None:
        """Stop for good: fail what waits, end the iterators (with ``error``), say CLOSED.

        ``later`` is what calls made from now on raise.
        """
        if self._state is ClientState.CLOSED:
            return
        self._failure = later
        self._ws = None
        self._ready = False
        self._fail_pending(code or ABNORMAL_CLOSURE)
        self._state = ClientState.CLOSED
        self._wake_open_waiters()
        for route in self._routes():
            route.end(error)
        await self._change(ClientState.CLOSED, code=code, reason=reason, error=error)

    async def _change(
        self,
        state: ClientState,
        *,
        code: int | None = None,
        reason: str = "",
        attempt: int = 0,
        delay: float | None = None,
        error: BaseException | None = None,
    ) -> None:
        """Enter ``state`` and tell the ``on_state_change`` callback, if any."""
        self._state = state
        callback = self._on_state_change
        if callback is None:
            return
        change = StateChange(state, code, reason, attempt, delay, error)
        try:
            result = callback(change)
            if inspect.isawaitable(result):
                await result
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("on_state_change raised for %s; the client goes on", state.value)


__all__ = ["ChanxClient"]
