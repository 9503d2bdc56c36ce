"""The pytest samples of testing.md, collected and run as they are, with the opt-in plugin."""

from __future__ import annotations

import pytest

from docs.snippets.testing_pytest import (
    test_announcement_reaches_the_room,
    test_anonymous_users_are_refused,
    test_echo,
)

pytest_plugins = ["chanx.testing.pytest_plugin"]

pytestmark = pytest.mark.django_db(transaction=True)

__all__ = [
    "test_announcement_reaches_the_room",
    "test_anonymous_users_are_refused",
    "test_echo",
]
