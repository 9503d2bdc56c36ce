"""The unittest-style samples of testing.md, collected and run as they are."""

from __future__ import annotations

from docs.snippets.testing_unittest import EchoTests, RoomTests

__all__ = ["EchoTests", "RoomTests"]
