"""The frame inbox: ordered by default, bounded concurrency, nothing handled after stop."""

from __future__ import annotations

import asyncio

from chanx.core.inbox import FrameInbox


async def test_frames_queued_before_start_are_handled_in_order_after_it() -> None:
    seen: list[str | bytes] = []

    async def handle(frame: str | bytes) -> None:
        await asyncio.sleep(0.001 if frame == "0" else 0)
        seen.append(frame)

    inbox = FrameInbox(handle)
    for i in range(5):
        await inbox.put(str(i))
    await asyncio.sleep(0.01)
    assert seen == []
    inbox.start()
    await asyncio.sleep(0.05)
    assert seen == ["0", "1", "2", "3", "4"]
    await inbox.stop()


async def test_concurrency_never_exceeds_the_worker_count() -> None:
    running = peak = 0

    async def handle(frame: str | bytes) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1

    inbox = FrameInbox(handle, workers=3, max_pending=100)
    inbox.start()
    for i in range(30):
        await inbox.put(str(i))
    await asyncio.sleep(0.2)
    assert peak == 3
    await inbox.stop()


async def test_stop_drops_pending_frames_and_a_failing_handler_keeps_the_worker() -> None:
    seen: list[str | bytes] = []

    async def handle(frame: str | bytes) -> None:
        if frame == "boom":
            raise RuntimeError("bug")
        if frame == "slow":
            await asyncio.sleep(10)
        seen.append(frame)

    inbox = FrameInbox(handle)
    inbox.start()
    await inbox.put("boom")
    await inbox.put("after")
    await asyncio.sleep(0.01)
    assert seen == ["after"]
    await inbox.put("slow")
    await inbox.put("never")
    await asyncio.sleep(0.01)
    await inbox.stop()
    assert not inbox.running
    await asyncio.sleep(0.01)
    assert seen == ["after"]


async def test_full_inbox_makes_the_reader_wait() -> None:
    gate = asyncio.Event()

    async def handle(frame: str | bytes) -> None:
        await gate.wait()

    inbox = FrameInbox(handle, max_pending=2)
    inbox.start()
    await inbox.put("a")
    await asyncio.sleep(0)
    await inbox.put("b")
    await inbox.put("c")
    blocked = asyncio.ensure_future(inbox.put("d"))
    await asyncio.sleep(0.02)
    assert not blocked.done()
    gate.set()
    await asyncio.wait_for(blocked, 1)
    await inbox.stop()
