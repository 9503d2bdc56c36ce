"""The unittest-style samples of testing.md, collected and run as they are."""

from __future__ import annotations

from docs.snippets.testing_unittest import EchoTests, ProfileTests, RoomTests

__all__ = ["EchoTests", "ProfileTests", "RoomTests"]
