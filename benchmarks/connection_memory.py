"""``python -m benchmarks.connection_memory``: what an open connection costs the server.

uvicorn serves ``benchmarks.e2e_app`` on the Redis layer (a private ``redis-server``).
After a warm-up, ``--connections`` clients (500 by default) connect to one consumer, each
joins a room and does one echo round trip, and all stay open; the server's RSS growth
divided by the number of connections is the cost of one. The chanx consumer and the
hand-written Channels one are measured in fresh servers, one after the other.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys

from websockets.asyncio.client import ClientConnection, connect

from benchmarks.servers import Server, redis_server, rss_kib, uvicorn

ROOMS = 10
WARMUP = 50


async def _open(server: Server, consumer: str, index: int) -> ClientConnection:
    url = f"ws://127.0.0.1:{server.port}/ws/{consumer}/mem{index % ROOMS}/"
    client = await connect(url, compression=None, open_timeout=30)
    await client.send(json.dumps({"action": "echo", "payload": {"text": str(index)}}))
    await client.recv()
    return client


async def cost_per_connection(server: Server, consumer: str, connections: int) -> float:
    """KiB of server RSS per open connection of ``consumer`` (``chanx`` or ``raw``)."""
    warm = [await _open(server, consumer, i) for i in range(WARMUP)]
    for client in warm:
        await client.close()
    await asyncio.sleep(2)
    before = rss_kib(server.pid)
    clients = [await _open(server, consumer, i) for i in range(connections)]
    await asyncio.sleep(2)
    after = rss_kib(server.pid)
    for client in clients:
        await client.close()
    return (after - before) / connections


def main(argv: list[str] | None = None) -> int:
    """Measure both consumers and print KiB per open connection."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.connection_memory")
    parser.add_argument("--connections", type=int, default=500)
    args = parser.parse_args(argv)
    if shutil.which("redis-server") is None:
        print("connection memory skipped: redis-server is not installed (not on PATH)")
        return 0
    with redis_server() as redis_url:
        for consumer in ("chanx", "raw"):
            with uvicorn(f"{redis_url}?max_connections=1000") as server:
                cost = asyncio.run(cost_per_connection(server, consumer, args.connections))
            print(f"{consumer}: {cost:.1f} KiB per open connection ({args.connections} open)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
