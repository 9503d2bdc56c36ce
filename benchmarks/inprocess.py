"""Running the in-process scenarios: Django set up in this process, the in-memory layer.

:func:`configure_django` must run before :mod:`benchmarks.consumers` is imported.
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import io
import pstats
import time
from collections.abc import Callable
from typing import Any

from benchmarks.driver import AsgiApp
from benchmarks.measure import Result, round_order
from benchmarks.scenarios import Scenario

IN_PROCESS_SETTINGS: dict[str, Any] = {
    "SECRET_KEY": "benchmarks-only",
    "INSTALLED_APPS": ["chanx.channels"],
    "CHANNEL_LAYERS": {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}},
    "CHANX": {"LOG_WEBSOCKET_MESSAGE": True, "SEND_COMPLETION": False},
}
"""The Django settings of the in-process run; logging keeps Python's default (WARNING)."""


def configure_django() -> None:
    """Configure Django in this process (once) with :data:`IN_PROCESS_SETTINGS`."""
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(**IN_PROCESS_SETTINGS)
        django.setup()


def applications(raw_without_cleanup: bool = False) -> dict[str, AsgiApp]:
    """The ASGI application of each implementation, by name.

    ``raw_without_cleanup`` swaps the baseline for one that skips Channels' per-message
    database cleanup, as chanx does for frames and layer messages.
    """
    from benchmarks.consumers import (
        ChanxConsumer,
        FloorConsumer,
        RawConsumer,
        RawConsumerWithoutCleanup,
    )

    raw = RawConsumerWithoutCleanup if raw_without_cleanup else RawConsumer
    return {
        "floor": FloorConsumer.as_asgi(),
        "raw": raw.as_asgi(),
        "chanx": ChanxConsumer.as_asgi(),
    }


class CorrectnessError(AssertionError):
    """chanx and the hand-written consumer answered the same frames differently."""


async def check_equivalence(scenario: Scenario, apps: dict[str, AsgiApp]) -> None:
    """Run a few frames through every implementation; chanx and raw must answer alike.

    The floor is only required to answer (it echoes frames verbatim, by design).
    """
    replies = {name: await scenario.replies(app) for name, app in apps.items()}
    if replies["chanx"] != replies["raw"]:
        raise CorrectnessError(
            f"{scenario.name}: chanx answered {replies['chanx']!r}, raw answered {replies['raw']!r}"
        )
    if not replies["chanx"]:
        raise CorrectnessError(f"{scenario.name}: no replies at all")


async def _timed(scenario: Scenario, app: AsgiApp) -> float:
    """CPU seconds of one timed run of ``scenario`` against ``app``."""
    await scenario.open(app)
    gc.collect()
    start = time.process_time()
    await scenario.run()
    elapsed = time.process_time() - start
    await scenario.close()
    return elapsed


async def measure(scenario: Scenario, apps: dict[str, AsgiApp], rounds: int) -> Result:
    """Time ``scenario`` for every implementation, alternating their order each round."""
    result = Result(scenario.name, scenario.unit, scenario.target, scenario.description)
    await check_equivalence(scenario, apps)
    # One untimed pass per implementation warms caches (Pydantic, imports, the layer).
    for app in apps.values():
        await _timed(scenario, app)
    for index in range(rounds):
        for name in round_order(index):
            elapsed = await _timed(scenario, apps[name])
            result.add(name, scenario.size / max(elapsed, 1e-9))
    return result


def run_in_process(
    scenarios: list[Scenario],
    rounds: int,
    report: Callable[[Result], None],
    *,
    raw_without_cleanup: bool = False,
) -> list[Result]:
    """Measure every scenario; ``report`` is called with each result as it is ready."""
    configure_django()
    apps = applications(raw_without_cleanup)

    async def main() -> list[Result]:
        results = []
        for scenario in scenarios:
            own = scenario.applications(raw_without_cleanup)
            result = await measure(scenario, apps if own is None else own, rounds)
            report(result)
            results.append(result)
        return results

    return asyncio.run(main())


def profile_chanx(scenario: Scenario, top: int = 15) -> str:
    """cProfile of chanx running ``scenario`` once: the ``top`` functions by own time."""
    configure_django()
    app = (scenario.applications(False) or applications())["chanx"]
    profiler = cProfile.Profile()

    async def main() -> None:
        await scenario.open(app)
        profiler.enable()
        await scenario.run()
        profiler.disable()
        await scenario.close()

    asyncio.run(main())
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()
