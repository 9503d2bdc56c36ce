"""Exceptions a handler may raise to tell its client what went wrong."""

from __future__ import annotations


class ClientError(Exception):
    """Raise from a handler to answer the client with an ``error`` whose detail is ``detail``.

    Any other exception from a handler is logged with its traceback and answered with a
    generic error, because its text may hold internals; ``ClientError`` is the way to send a
    specific, deliberate message instead::

        if room.is_full:
            raise ClientError("The room is full")
    """

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


__all__ = ["ClientError"]
