"""``python -m benchmarks.overload``: one client stops reading while others broadcast.

uvicorn serves ``benchmarks.e2e_app`` (chanx consumer at ``/ws/chanx/<room>/``) in a
subprocess. A *stalled* client joins a room over a raw TCP socket with a tiny receive
buffer, proves it is in the room with one echo, and never reads again. A *sender* then
shouts 10,000 times into the room (about 1 KB each) while a *watcher* in the same room
reads every broadcast; the sender waits for the watcher after every batch, so only the
stalled client falls behind. The server's RSS is sampled throughout.

The run prints the RSS before, at its peak and after; whether the watcher got every
broadcast; how many broadcasts reached the stalled client and whether the server closed
it; and every server log line about full channels, dropped messages or slow clients.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import socket
import struct
import sys
import time
from dataclasses import dataclass, field

from websockets.asyncio.client import ClientConnection, connect

from benchmarks.servers import Server, free_port, redis_server, rss_kib, uvicorn

TEXT_SIZE = 1000
"""Characters of text in each broadcast: 10,000 of them are about 10 MB if all were kept."""


def _frame(text: str) -> bytes:
    """One masked client text frame (RFC 6455: clients must mask)."""
    data = text.encode()
    mask = os.urandom(4)
    head = bytes([0x81])
    if len(data) < 126:
        head += bytes([0x80 | len(data)])
    elif len(data) < 1 << 16:
        head += bytes([0x80 | 126]) + struct.pack("!H", len(data))
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", len(data))
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def parse_frames(buffer: bytes) -> tuple[list[tuple[int, bytes]], bytes]:
    """Split unmasked server frames off ``buffer``: ([(opcode, payload)], the rest)."""
    frames: list[tuple[int, bytes]] = []
    while len(buffer) >= 2:
        opcode, length, offset = buffer[0] & 0x0F, buffer[1] & 0x7F, 2
        if length == 126:
            if len(buffer) < 4:
                break
            length, offset = struct.unpack("!H", buffer[2:4])[0], 4
        elif length == 127:
            if len(buffer) < 10:
                break
            length, offset = struct.unpack("!Q", buffer[2:10])[0], 10
        if len(buffer) < offset + length:
            break
        frames.append((opcode, buffer[offset : offset + length]))
        buffer = buffer[offset + length :]
    return frames, buffer


class StalledClient:
    """A WebSocket client on a raw socket that, once in its room, never reads again.

    The socket's receive buffer is made as small as the kernel allows before connecting,
    so the server's writes back up after a few frames instead of after megabytes.
    """

    def __init__(self, port: int, room: str) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        self.sock.connect(("127.0.0.1", port))
        self.sock.settimeout(10)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET /ws/chanx/{room}/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        buffer = b""
        while b"\r\n\r\n" not in buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise RuntimeError("the server closed the stalled client during the handshake")
            buffer += chunk
        head, self._rest = buffer.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise RuntimeError(f"handshake refused: {head!r}")
        # The echo reply proves the consumer joined the room: frames are handled only after.
        self.sock.sendall(_frame(json.dumps({"action": "echo", "payload": {"text": "joined"}})))
        while not parse_frames(self._rest)[0]:
            self._rest += self.sock.recv(4096)

    def drain(self, timeout: float = 2.0) -> tuple[int, int | None]:
        """Read everything the server sent: (broadcasts received, close code or None).

        Reads until the server closes the socket or sends nothing for ``timeout`` seconds.
        """
        self.sock.settimeout(timeout)
        buffer, received, close_code = self._rest, 0, None
        while True:
            try:
                chunk = self.sock.recv(1 << 20)
            except TimeoutError:
                break
            except OSError:
                close_code = close_code or 1006
                break
            if not chunk:
                close_code = close_code or 1006
                break
            frames, buffer = parse_frames(buffer + chunk)
            for opcode, payload in frames:
                if opcode == 0x8:
                    close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                elif opcode == 0x1 and b'"shout_notice"' in payload:
                    received += 1
        return received, close_code

    def close(self) -> None:
        """Drop the socket without a closing handshake."""
        self.sock.close()


@dataclass
class OverloadResult:
    """What one run measured."""

    broadcasts: int
    rss_before_kib: int
    rss_peak_kib: int
    rss_after_kib: int
    watcher_received: int
    stalled_received: int
    stalled_close_code: int | None
    seconds: float
    log_lines: list[str] = field(default_factory=list)

    @property
    def peak_growth_mib(self) -> float:
        """Peak RSS growth over the run, in MiB."""
        return (self.rss_peak_kib - self.rss_before_kib) / 1024

    def summary(self) -> str:
        """The one line the benchmark prints."""
        closed = (
            "left open"
            if self.stalled_close_code is None
            else f"closed by the server (code {self.stalled_close_code})"
        )
        return (
            f"overload: {self.broadcasts} broadcasts of ~{TEXT_SIZE} B in {self.seconds:.1f} s; "
            f"server RSS {self.rss_before_kib / 1024:.1f} MiB before, peak "
            f"+{self.peak_growth_mib:.1f} MiB, {self.rss_after_kib / 1024:.1f} MiB after; "
            f"watcher got {self.watcher_received}/{self.broadcasts}; stalled client got "
            f"{self.stalled_received}, {self.broadcasts - self.stalled_received} dropped, "
            f"{closed}; {len(self.log_lines)} server log lines about it"
        )


_LOG_WORDS = ("full", "drop", "slow", "stall", "timeout", "closing")


async def _sample_rss(pid: int, peak: list[int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], rss_kib(pid))
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.1)


async def _open(url: str) -> ClientConnection:
    client = await connect(url, compression=None, max_queue=None)
    await client.send(json.dumps({"action": "echo", "payload": {"text": "joined"}}))
    await client.recv()
    return client


async def run_overload(
    server: Server, *, broadcasts: int = 10_000, batch: int = 50, settle: float = 2.0
) -> OverloadResult:
    """Stall one client, broadcast ``broadcasts`` times past it, and measure the server."""
    room = f"overload{free_port()}"
    stalled = StalledClient(server.port, room)
    sender = await _open(server.url(room))
    watcher = await _open(server.url(room))
    text = "x" * TEXT_SIZE
    before = rss_kib(server.pid)
    peak, stop = [before], asyncio.Event()
    sampler = asyncio.ensure_future(_sample_rss(server.pid, peak, stop))
    started = time.monotonic()
    watched = 0
    try:
        for first in range(0, broadcasts, batch):
            count = min(batch, broadcasts - first)
            for index in range(first, first + count):
                frame = {"action": "shout", "payload": {"text": f"{index} {text}"}}
                await sender.send(json.dumps(frame))
            # Waiting for the watcher keeps its queue short: only the stalled client lags.
            while watched < first + count:
                frame = await asyncio.wait_for(watcher.recv(), 10)
                if isinstance(frame, str) and '"shout_notice"' in frame:
                    watched += 1
        seconds = time.monotonic() - started
        await asyncio.sleep(settle)
        # The server must still serve: a fresh client echoes.
        fresh = await _open(server.url(room))
        await fresh.close()
    finally:
        stop.set()
        await sampler
    after = rss_kib(server.pid)
    await sender.close()
    await watcher.close()
    received, close_code = await asyncio.to_thread(stalled.drain)
    stalled.close()
    lines = [
        line
        for line in server.log().splitlines()
        if any(word in line.lower() for word in _LOG_WORDS)
    ]
    return OverloadResult(
        broadcasts=broadcasts,
        rss_before_kib=before,
        rss_peak_kib=peak[0],
        rss_after_kib=after,
        watcher_received=watched,
        stalled_received=received,
        stalled_close_code=close_code,
        seconds=seconds,
        log_lines=lines,
    )


def main(argv: list[str] | None = None) -> int:
    """Run the measurement and print its line; exit 1 if RSS grew past ``--bound``."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.overload",
        description="Server memory with one stalled client while others broadcast.",
    )
    parser.add_argument("--broadcasts", type=int, default=10_000)
    parser.add_argument("--redis", action="store_true", help="use a private redis-server")
    parser.add_argument(
        "--bound", type=float, default=50.0, help="fail above this RSS growth in MiB"
    )
    parser.add_argument(
        "--wait-close",
        type=float,
        default=0.0,
        metavar="S",
        help="afterwards, wait up to S seconds for the server to close the stalled client",
    )
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        redis_url = None
        if args.redis:
            redis_url = stack.enter_context(redis_server())
        server = stack.enter_context(uvicorn(redis_url))
        result = asyncio.run(
            run_overload(server, broadcasts=args.broadcasts, settle=max(2.0, args.wait_close))
        )
    layer = "Redis" if args.redis else "in-memory"
    print(f"{result.summary()} [{layer} layer]")
    for line in result.log_lines[:10]:
        print(f"  server: {line}")
    if len(result.log_lines) > 10:
        print(f"  ... {len(result.log_lines) - 10} more")
    return 0 if result.peak_growth_mib <= args.bound else 1


if __name__ == "__main__":
    sys.exit(main())
