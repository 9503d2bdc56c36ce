"""The client side: what a ChanxClient costs per round trip, against a hand-written loop.

Both talk to the same uvicorn server in another process (``/ws/floor/<room>/``, which answers
a frame with its own text, so the server does as little as possible), with compression off,
and both do the same work per round trip: serialize an :class:`Echo` with
``model_dump_json``, send it, receive the answer and validate it with a ``TypeAdapter``. The
hand-written loop (``raw``) is ``ws.send`` + ``adapter.validate_json(await ws.recv())`` on a
bare ``websockets`` connection; ``chanx`` is ``client.send`` + the client's message
iterator, and, in the request scenario, ``client.request`` (a fresh ``ref`` per frame,
matched on the way back). The clock is ``time.process_time`` of this process: the client's
CPU only. Rounds alternate the order of the two; the ratio is the median of per-round ratios.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, TypeAdapter
from websockets.asyncio.client import connect

from benchmarks.measure import Result
from benchmarks.servers import uvicorn
from chanx.client import ChanxClient


class _Text(BaseModel):
    text: str


class Echo(BaseModel):
    """The frame sent and, since the floor consumer echoes it, the frame received."""

    action: Literal["echo"] = "echo"
    payload: _Text


ECHO: TypeAdapter[Echo] = TypeAdapter(Echo)


class EchoClient(ChanxClient[Echo, Echo]):
    """A client of the floor consumer, shaped like a generated one."""

    address: ClassVar[str] = "/ws/floor/{room}/"
    incoming: ClassVar[TypeAdapter[Any]] = ECHO


Loop = Callable[[int], Awaitable[None]]


async def _raw(url: str) -> tuple[Loop, Callable[[], Awaitable[None]]]:
    ws = await connect(url, compression=None)
    message = Echo(payload=_Text(text="hello"))
    validate = ECHO.validate_json

    async def run(n: int) -> None:
        for _ in range(n):
            await ws.send(message.model_dump_json())
            reply = validate(await ws.recv())
            assert reply.payload.text == "hello"

    return run, ws.close


async def _chanx_send(base: str, room: str) -> tuple[Loop, Callable[[], Awaitable[None]]]:
    client = EchoClient(base, path_params={"room": room}, compression=None)
    await client.connect()
    message = Echo(payload=_Text(text="hello"))
    incoming = client.messages()

    async def run(n: int) -> None:
        for _ in range(n):
            await client.send(message)
            reply = await incoming.__anext__()
            assert reply.payload.text == "hello"

    return run, client.close


async def _chanx_request(base: str, room: str) -> tuple[Loop, Callable[[], Awaitable[None]]]:
    client = EchoClient(base, path_params={"room": room}, compression=None)
    await client.connect()
    message = Echo(payload=_Text(text="hello"))

    async def run(n: int) -> None:
        for _ in range(n):
            reply = await client.request(message)
            assert reply.payload.text == "hello"

    return run, client.close


async def _measure(port: int, size: int, rounds: int) -> list[Result]:
    base = f"ws://127.0.0.1:{port}"
    scenarios = {
        "send + iterate": _chanx_send,
        "request (ref)": _chanx_request,
    }
    results = []
    for label, open_chanx in scenarios.items():
        result = Result(
            f"client echo, {label}",
            "round trips",
            0.9,
            f"ChanxClient vs a hand-written websockets loop, {size} sequential echo round "
            "trips with the reply validated; rate per client CPU second",
            clock="client process CPU",
        )
        for index in range(-1, rounds):  # round -1 warms up and is not recorded
            order = ("raw", "chanx") if index % 2 == 0 else ("chanx", "raw")
            for implementation in order:
                room = f"client{index + 1}"
                if implementation == "raw":
                    run, close = await _raw(f"{base}/ws/floor/{room}/")
                else:
                    run, close = await open_chanx(base, room)
                started = time.process_time()
                await run(size)
                used = time.process_time() - started
                await close()
                if index >= 0:
                    result.add(implementation, size / max(used, 1e-6))
        results.append(result)
    return results


def run_client_roundtrip(
    *, quick: bool, rounds: int, report: Callable[[Result], None]
) -> list[Result]:
    """Measure both client scenarios against one uvicorn server on the in-memory layer."""
    size = 1000 if quick else 3000
    print(f"client side, ChanxClient vs websockets by hand, {rounds} rounds, per client CPU second")
    with uvicorn() as server:
        results = asyncio.run(_measure(server.port, size, rounds))
    for result in results:
        report(result)
    return results


if __name__ == "__main__":
    from benchmarks.__main__ import _report

    run_client_roundtrip(quick=False, rounds=7, report=_report)
