"""Upstream chanx's import path of :class:`~chanx.core.topics.Topic`.

Code written for upstream chanx imports ``from chanx.core.topic import Topic``; it works
unchanged. New code may use either path.
"""

from __future__ import annotations

from chanx.core.topics import Topic

__all__ = ["Topic"]
