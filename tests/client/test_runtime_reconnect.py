"""The close-code rules and the backoff of ReconnectPolicy."""

from __future__ import annotations

import pytest

from chanx.client import ReconnectPolicy
from chanx.client.reconnect import CloseOutcome, close_outcome, handshake_outcome


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        (1000, CloseOutcome.CLOSED),
        (1001, CloseOutcome.RECONNECT),
        (1006, CloseOutcome.RECONNECT),
        (1011, CloseOutcome.RECONNECT),
        (1012, CloseOutcome.RECONNECT),
        (1013, CloseOutcome.RECONNECT),
        (1008, CloseOutcome.STOPPED),
        (1009, CloseOutcome.STOPPED),
        (1002, CloseOutcome.STOPPED),
        (4401, CloseOutcome.REFUSED),
        (4403, CloseOutcome.REFUSED),
        (4404, CloseOutcome.REFUSED),
        (4000, CloseOutcome.STOPPED),
        (4999, CloseOutcome.STOPPED),
        (3000, CloseOutcome.STOPPED),
    ],
)
def test_close_codes_map_to_what_the_deployment_docs_say(code: int, outcome: CloseOutcome) -> None:
    assert close_outcome(code) is outcome


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (401, CloseOutcome.REFUSED),
        (403, CloseOutcome.REFUSED),
        (404, CloseOutcome.STOPPED),
        (429, CloseOutcome.RECONNECT),
        (502, CloseOutcome.RECONNECT),
        (503, CloseOutcome.RECONNECT),
    ],
)
def test_handshake_statuses(status: int, outcome: CloseOutcome) -> None:
    assert handshake_outcome(status) is outcome


def test_backoff_doubles_up_to_the_maximum_without_jitter() -> None:
    policy = ReconnectPolicy(initial=0.5, maximum=4.0, multiplier=2.0, jitter=0.0)
    assert [policy.delay(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert policy.delay(10_000) == 4.0


def test_jitter_takes_off_at_most_its_fraction() -> None:
    policy = ReconnectPolicy(initial=1.0, maximum=10.0, jitter=0.5)
    assert policy.delay(1, lambda: 0.0) == 1.0
    assert policy.delay(1, lambda: 1.0) == 0.5
    assert policy.delay(2, lambda: 0.5) == 1.5
    assert all(0.5 <= policy.delay(1) <= 1.0 for _ in range(200))


def test_max_attempts() -> None:
    assert not ReconnectPolicy().gives_up_after(10**6)
    policy = ReconnectPolicy(max_attempts=3)
    assert [policy.gives_up_after(n) for n in (1, 2, 3)] == [False, False, True]


@pytest.mark.parametrize(
    "options",
    [{"initial": -1}, {"multiplier": 0.5}, {"jitter": 1.5}, {"max_attempts": 0}],
)
def test_invalid_policies_are_refused_naming_the_field(options: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(options))):
        ReconnectPolicy(**options)  # type: ignore[arg-type]
