"""End to end: uvicorn serving ``benchmarks.e2e_app``, driven by real ``websockets`` clients.

The server runs in a subprocess; what is compared is the server's CPU time (all its threads,
read from ``/proc``, or ``psutil`` where there is no ``/proc``) per message,
so the clients, which share the machine, do not blur the comparison. Each layer gets its
own server: the in-memory layer, then Redis (channels_redis's core layer, then its pub/sub
layer) through a private ``redis-server`` started for the run (skipped, with the reason
printed, when ``redis-server`` is not installed). Each server is stopped with SIGTERM after
its rounds, with clients still connected, and the time it took to exit is printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from benchmarks.measure import Result, round_order
from benchmarks.messages import echo_frame, shout_frame
from benchmarks.servers import Server, redis_server, stop_process, uvicorn


def server_cpu(pid: int) -> float:
    """CPU seconds used so far by every thread of process ``pid``.

    Linux keeps each thread's CPU time in nanoseconds in ``/proc/<pid>/task/*/schedstat``;
    the totals in ``/proc/<pid>/stat`` (and ``psutil``) count 10 ms ticks, too coarse for
    rounds of a few hundred milliseconds. Threads matter: Channels runs its per-message
    database cleanup in a worker thread.
    """
    tasks = Path(f"/proc/{pid}/task")
    if tasks.is_dir():
        total = 0
        for task in tasks.iterdir():
            with contextlib.suppress(OSError, ValueError, IndexError):
                total += int((task / "schedstat").read_text().split()[0])
        if total:
            return total / 1e9
    import psutil  # only where there is no /proc

    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


async def _open(port: int, implementation: str, room: str) -> ClientConnection:
    """A connected client whose consumer has joined ``room`` (proved by one echo)."""
    client = await connect(
        f"ws://127.0.0.1:{port}/ws/{implementation}/{room}/", compression=None, max_queue=None
    )
    await client.send(echo_frame(-1))
    await client.recv()
    return client


async def _echo_clients(clients: list[ClientConnection], per_client: int) -> None:
    async def one(client: ClientConnection) -> None:
        for index in range(per_client):
            await client.send(echo_frame(index))
            await client.recv()

    await asyncio.gather(*(one(c) for c in clients))


async def _broadcasts(sender: ClientConnection, receivers: list[ClientConnection], n: int) -> None:
    for index in range(n):
        await sender.send(shout_frame(index))
        await asyncio.gather(*(r.recv() for r in receivers))


async def _check(port: int) -> None:
    """chanx and raw must answer the same echo and deliver the same broadcast."""
    answers: dict[str, list[Any]] = {}
    for implementation in ("raw", "chanx"):
        sender = await _open(port, implementation, "check")
        receiver = await _open(port, implementation, "check")
        await sender.send(echo_frame(1))
        echoed = json.loads(await sender.recv())
        await sender.send(shout_frame(2))
        shouted = json.loads(await receiver.recv())
        answers[implementation] = [echoed, shouted]
        await sender.close()
        await receiver.close()
    if answers["raw"] != answers["chanx"]:
        raise AssertionError(f"end to end, chanx and raw differ: {answers}")


async def _measure_layer(
    port: int, pid: int, layer: str, sizes: dict[str, int], rounds: int
) -> list[Result]:
    await _check(port)
    echo = Result(
        f"e2e echo, {layer}",
        "messages",
        1.0,
        f"uvicorn; {sizes['clients']} clients x {sizes['echoes']} sequential echoes, "
        f"concurrently; {layer} layer; rate per server CPU second",
        clock="server CPU",
    )
    fanout = Result(
        f"e2e broadcast x{sizes['members']}, {layer}",
        "deliveries",
        1.0,
        f"uvicorn; one client shouts to {sizes['members']} others, "
        f"{sizes['broadcasts']} times; {layer} layer; rate per server CPU second",
        clock="server CPU",
    )
    for index in range(-1, rounds):  # round -1 warms up and is not recorded
        for implementation in round_order(max(index, 0)):
            clients = [
                await _open(port, implementation, f"echo{index + 1}")
                for _ in range(sizes["clients"])
            ]
            before = server_cpu(pid)
            await _echo_clients(clients, sizes["echoes"])
            used = server_cpu(pid) - before
            for client in clients:
                await client.close()
            if index >= 0:
                echo.add(implementation, sizes["clients"] * sizes["echoes"] / max(used, 1e-3))

            room = f"fan{index + 1}"
            sender = await _open(port, implementation, room)
            receivers = [await _open(port, implementation, room) for _ in range(sizes["members"])]
            before = server_cpu(pid)
            await _broadcasts(sender, receivers, sizes["broadcasts"])
            used = server_cpu(pid) - before
            for client in (sender, *receivers):
                await client.close()
            if index >= 0:
                deliveries = sizes["members"] * sizes["broadcasts"]
                fanout.add(implementation, deliveries / max(used, 1e-3))
    return [echo, fanout]


SHUTDOWN_CLIENTS = 100
"""Clients connected to a server when it gets SIGTERM at the end of a layer's rounds."""


async def _stop_under_clients(server: Server) -> dict[int | None, int]:
    """SIGTERM the server with :data:`SHUTDOWN_CLIENTS` chanx clients connected.

    Sets ``server.shutdown_seconds``; returns how the clients' connections were closed
    (close code -> count; None: dropped without a close frame).
    """
    clients = [await _open(server.port, "chanx", "shutdown") for _ in range(SHUTDOWN_CLIENTS)]
    server.shutdown_seconds = await asyncio.to_thread(stop_process, server.process)
    codes: dict[int | None, int] = {}
    for client in clients:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.wait_closed(), 5)
        code = client.close_code
        codes[code] = codes.get(code, 0) + 1
    return codes


def run_end_to_end(*, quick: bool, rounds: int, report: Callable[[Result], None]) -> list[Result]:
    """Both channel layers, every implementation, alternating round by round."""
    sizes = {
        "clients": 20,
        "echoes": 15 if quick else 40,
        "members": 50,
        "broadcasts": 6 if quick else 16,
    }
    results: list[Result] = []
    layers: list[tuple[str, str, Callable[[], contextlib.AbstractContextManager[str | None]]]] = [
        ("in-memory", "core", lambda: contextlib.nullcontext(None)),
        ("Redis", "core", redis_server),
        ("Redis pub/sub", "pubsub", redis_server),
    ]
    print(f"end to end, uvicorn + websockets clients, {rounds} rounds, per server CPU second")
    for layer, redis_layer, make_layer in layers:
        try:
            with make_layer() as redis_url:
                with uvicorn(redis_url, redis_layer=redis_layer) as server:
                    measured = _measure_layer(server.port, server.pid, layer, sizes, rounds)
                    for result in asyncio.run(measured):
                        report(result)
                        results.append(result)
                    closes = asyncio.run(_stop_under_clients(server))
                stopped = server.shutdown_seconds
                print(
                    f"  {layer}: SIGTERM with {SHUTDOWN_CLIENTS} clients open -> exit in "
                    + (f"{stopped:.2f} s" if stopped is not None else "more than 10 s (killed)")
                    + f"; clients closed with {closes}"
                )
        except FileNotFoundError as exc:
            print(f"  skipped the {layer} layer: {exc}")
            skipped = Result(f"e2e, {layer}", "messages", 1.0, "skipped", note=f"skipped: {exc}")
            results.append(skipped)
    return results
