"""Requests waiting for their reply, by ``ref``, and the one timer that times them out.

A request used to arm its own ``loop.call_later`` timer and cancel it when the reply came:
two timer-heap operations and a ``TimerHandle`` per round trip, about 5 % of a request's
client CPU in ``benchmarks/client_roundtrip.py``. Here each request only records its
deadline in a heap; one timer per table is armed for the earliest deadline, and when it
fires it fails what has expired and re-arms for the next one. Entries of requests already
answered stay in the heap until they come up (or the heap is rebuilt once it holds more
than twice the waiting requests), so answering a request costs nothing but a dict pop.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from typing import Any

from pydantic import TypeAdapter, ValidationError

from chanx.client.envelope import ACTION_KEY, COMPLETE_ACTION, ERROR_ACTION, PAYLOAD_KEY
from chanx.client.errors import NoReply, RequestTimeout, ServerError, UnexpectedReply


class PendingRequest:
    """A request waiting for the first frame carrying its ``ref``.

    ``adapter`` None asks for the raw frame (protocol requests such as ``subscribe`` read it
    themselves); ``expect`` is the reply type the caller requires.
    """

    __slots__ = ("adapter", "expect", "future", "seconds")

    def __init__(
        self,
        future: asyncio.Future[Any],
        adapter: TypeAdapter[Any] | None,
        expect: type | None,
        seconds: float,
    ) -> None:
        self.future = future
        self.adapter = adapter
        self.expect = expect
        self.seconds = seconds

    def settle(self, data: dict[str, Any]) -> None:
        """Resolve the (not yet done) request with ``data`` (routing keys removed), or fail it."""
        future = self.future
        action = data.get(ACTION_KEY)
        if action == COMPLETE_ACTION:
            future.set_exception(NoReply("The server completed the request without a reply"))
            return
        adapter = self.adapter
        if adapter is None:
            future.set_result(data)
        elif action == ERROR_ACTION:
            future.set_exception(ServerError(data.get(PAYLOAD_KEY)))
        else:
            try:
                message = adapter.validate_python(data)
            except ValidationError as exc:
                future.set_exception(exc)
                return
            self._resolve(message)

    def settle_json(self, text: str) -> None:
        """Resolve the request with a reply that needs only validating (from its JSON text)."""
        assert self.adapter is not None
        try:
            message = self.adapter.validate_json(text)
        except ValidationError as exc:
            self.future.set_exception(exc)
            return
        self._resolve(message)

    def _resolve(self, message: Any) -> None:
        expect = self.expect
        if expect is not None and not isinstance(message, expect):
            self.future.set_exception(UnexpectedReply(message, expect))
        else:
            self.future.set_result(message)


class PendingRequests:
    """The requests of one socket waiting for replies, keyed by ``ref``; refs come from here.

    Every stream of a multiplexed socket shares the table: a routing error about a stream's
    frame comes back outside that stream's envelope, with the same ``ref``.
    """

    __slots__ = ("_deadlines", "_refs", "_timer", "_timer_at", "waiting")

    def __init__(self) -> None:
        self.waiting: dict[int, PendingRequest] = {}
        self._refs = itertools.count(1)
        self._deadlines: list[tuple[float, int]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0

    def add(
        self,
        loop: asyncio.AbstractEventLoop,
        adapter: TypeAdapter[Any] | None,
        expect: type | None,
        seconds: float,
    ) -> tuple[int, PendingRequest]:
        """A fresh ref and its waiting request, timed out after ``seconds``."""
        ref = next(self._refs)
        request = PendingRequest(loop.create_future(), adapter, expect, seconds)
        self.waiting[ref] = request
        deadline = loop.time() + seconds
        deadlines = self._deadlines
        heapq.heappush(deadlines, (deadline, ref))
        if len(deadlines) > 64 and len(deadlines) > 2 * len(self.waiting):
            self._compact()
        timer = self._timer
        if timer is None or deadline < self._timer_at:
            if timer is not None:
                timer.cancel()
            self._arm(loop, deadline)
        return ref, request

    def pop(self, ref: int) -> PendingRequest | None:
        """Take the request waiting for ``ref`` off the table (None when none waits)."""
        return self.waiting.pop(ref, None)

    def fail_all(self, error: BaseException) -> None:
        """Fail every waiting request with ``error`` and disarm the timer."""
        waiting = list(self.waiting.values())
        self.waiting.clear()
        self._deadlines.clear()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for request in waiting:
            if not request.future.done():
                request.future.set_exception(error)

    def _arm(self, loop: asyncio.AbstractEventLoop, deadline: float) -> None:
        self._timer_at = deadline
        self._timer = loop.call_at(deadline, self._expire, loop)

    def _expire(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        now = loop.time()
        deadlines, waiting = self._deadlines, self.waiting
        while deadlines and deadlines[0][0] <= now:
            _, ref = heapq.heappop(deadlines)
            request = waiting.pop(ref, None)
            if request is not None and not request.future.done():
                seconds = request.seconds
                request.future.set_exception(RequestTimeout(f"No reply within {seconds:g} s"))
        if deadlines:
            self._arm(loop, deadlines[0][0])

    def _compact(self) -> None:
        """Drop the heap entries of answered requests (their refs are no longer waiting)."""
        waiting = self.waiting
        self._deadlines = [entry for entry in self._deadlines if entry[1] in waiting]
        heapq.heapify(self._deadlines)


__all__ = ["PendingRequest", "PendingRequests"]
