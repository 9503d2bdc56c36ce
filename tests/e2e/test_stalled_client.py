"""A client that stops reading while others broadcast, on a real uvicorn server.

The measurement is :mod:`benchmarks.overload` (``python -m benchmarks.overload`` prints
it): a client in a room stops reading, 10,000 broadcasts of ~1 KB go to the room, a
watcher in the same room reads them all. Run once for the module; each test checks one
promise about the run.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import pytest

from benchmarks import overload as overload_run
from benchmarks.overload import OverloadResult, StalledClient, run_overload
from benchmarks.servers import Server, uvicorn
from tests.waiting import DEADLINE, wait_until

pytestmark = pytest.mark.e2e

BROADCASTS = 10_000
RSS_BOUND_MIB = 50.0
"""Generous: 10,000 broadcasts kept for the stalled client would be about 10 MB of text
plus the per-message overhead of the channel layer, several times that in Python objects."""


def _drop_lines(server: Server) -> list[str]:
    return [line for line in server.log().splitlines() if "dropped" in line.lower()]


def _drains_once_dropped(server: Server) -> type[StalledClient]:
    """A :class:`StalledClient` that starts reading only once ``server`` logged a drop.

    The run drains the stalled client right after its broadcasts. Reading any sooner than
    the server's ``send_timeout`` after the client stalled unblocks the stalled send, so
    the client is then neither dropped nor logged: how long the broadcasts took decides.
    """

    class StalledUntilDropped(StalledClient):
        def drain(self, timeout: float = 2.0) -> tuple[int, int | None]:
            # A drop never logged is what the last test reports, with the run's summary.
            with contextlib.suppress(AssertionError):
                wait_until(lambda: _drop_lines(server), "the server to log a drop")
            return super().drain(timeout)

    return StalledUntilDropped


@pytest.fixture(scope="module")
def overload() -> Iterator[OverloadResult]:
    """One overload run on a fresh uvicorn server with the in-memory channel layer."""
    with uvicorn() as server, pytest.MonkeyPatch.context() as patch:
        patch.setattr(overload_run, "StalledClient", _drains_once_dropped(server))
        result = asyncio.run(run_overload(server, broadcasts=BROADCASTS, settle=0))
        assert server.process.poll() is None, "the server died:\n" + server.log()
        yield result


def test_stalled_client_does_not_grow_server_memory_without_bound(
    overload: OverloadResult,
) -> None:
    assert overload.peak_growth_mib < RSS_BOUND_MIB, overload.summary()


def test_server_keeps_serving_others_while_a_client_is_stalled(overload: OverloadResult) -> None:
    # run_overload also had a fresh client echo after the broadcasts.
    assert overload.watcher_received == BROADCASTS, overload.summary()


def test_stalled_client_falls_behind_instead_of_being_buffered_for(
    overload: OverloadResult,
) -> None:
    # What reached the stalled client is what fits in the socket buffers and its channel's
    # capacity (100 messages), not the whole backlog.
    assert overload.stalled_received < BROADCASTS // 2, overload.summary()


def test_stalled_client_drops_are_logged_or_it_is_closed(overload: OverloadResult) -> None:
    dropped = overload.broadcasts - overload.stalled_received
    assert dropped > 0
    logged = any("dropped" in line.lower() for line in overload.log_lines)
    closed = overload.stalled_close_code is not None
    assert logged or closed, (
        f"the server logged no drop within {DEADLINE:g} s after the broadcasts, and the "
        f"stalled client was not closed: {overload.summary()}"
    )
