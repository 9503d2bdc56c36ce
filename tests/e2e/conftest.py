"""Fixtures shared by the end-to-end tests."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.cdp import Browser, find_chromium, launch_chromium


@pytest.fixture
async def browser(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> AsyncIterator[Browser]:
    """Headless Chromium; skipped (reason printed) without one, a failure in CI."""
    binary = find_chromium()
    if binary is None:
        reason = "chromium is not installed (apt-get install chromium): browser e2e tests skip"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}, but CI is set: .ci/run must install it")
        with capsys.disabled():
            print(f"\nSKIPPED: {reason}")
        pytest.skip(reason)
    async with launch_chromium(binary, tmp_path / "chromium") as running:
        yield running
