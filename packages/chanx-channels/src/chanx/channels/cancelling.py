"""Ending tasks for good: :func:`chanx.core.cancelling.cancel_and_wait`, kept at its old path.

The function moved to the framework-neutral core, whose topic subscriptions end their
delivery tasks with it too.
"""

from __future__ import annotations

from chanx.core.cancelling import RETRY_INTERVAL, cancel_and_wait

__all__ = ["RETRY_INTERVAL", "cancel_and_wait"]
