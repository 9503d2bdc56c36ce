"""Keeping credentials out of server logs.

ASGI servers log handshakes: uvicorn prints every WebSocket path with its query string
at INFO (``?token=...``) and, at DEBUG, every request header (``authorization``,
``cookie``). :class:`RedactCredentials` rewrites such records before a handler writes
them; :func:`uvicorn_log_config` is uvicorn's own logging configuration with the filter
on every handler::

    uvicorn.run("project.asgi:application", log_config=uvicorn_log_config("info"))

or, on the command line, write it to a JSON file and pass ``--log-config FILE``.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Mapping
from typing import Any

REDACTED = "[redacted]"

_QUERY = re.compile(r"(/[^\s?\"']*)\?[^\s\"']+")
_SECRET_HEADERS = re.compile(
    r"\b(authorization|proxy-authorization|cookie|set-cookie|x-api-key)(\s*[:=]\s*)[^\r\n]+",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """``text`` with query strings and credential-bearing header values replaced."""
    text = _QUERY.sub(rf"\1?{REDACTED}", text)
    return _SECRET_HEADERS.sub(rf"\1\2{REDACTED}", text)


class RedactCredentials(logging.Filter):
    """A logging filter that redacts query strings and credential headers in every record.

    Attach it to handlers (filters on a logger do not see records of its children). The
    message is formatted once here, only for records that reach the handler.

    The record keeps its shape: ``args`` stays a tuple of the same length (or the same
    mapping) with the secrets redacted inside it, because some formatters read ``args``
    rather than the message: uvicorn's access formatter unpacks its five values.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = _redacted_record(record, cleaned)
        return True


def _redacted_record(record: logging.LogRecord, cleaned: str) -> tuple[Any, Any]:
    """``msg`` and ``args`` for ``record`` without secrets, ``args`` in its original shape.

    Usually the secret sits in one argument (a path with its query string) and redacting
    each argument is enough. When it spans arguments (``"%s: %s"`` with a header name and
    its value), the message becomes the redacted text and every argument whose text no
    longer appears in it is replaced; ``%.0s`` placeholders consume the tuple's items so that
    ``msg % args`` still gives the redacted text.
    """
    args = record.args
    if not args:
        return cleaned, args
    if isinstance(args, Mapping):
        redacted: tuple[object, ...] | Mapping[str, object] = {
            key: _redact_value(value) for key, value in args.items()
        }
    else:
        redacted = tuple(_redact_value(value) for value in args)
    try:
        candidate = str(record.msg) % redacted
    except (TypeError, ValueError, KeyError):
        candidate = None
    if candidate is not None and redact(candidate) == candidate:
        return record.msg, redacted
    escaped = cleaned.replace("%", "%%")
    if isinstance(args, Mapping):
        return escaped, {key: _absent_or(value, cleaned) for key, value in args.items()}
    return escaped + "%.0s" * len(args), tuple(_absent_or(value, cleaned) for value in args)


def _redact_value(value: object) -> object:
    return redact(value) if isinstance(value, str) else value


def _absent_or(value: object, cleaned: str) -> object:
    """``value``, unless its text is gone from the redacted message (numbers carry no secret)."""
    if isinstance(value, (int, float)) or str(value) in cleaned:
        return value
    return REDACTED


def uvicorn_log_config(level: str = "info") -> dict[str, Any]:
    """uvicorn's default logging configuration, with :class:`RedactCredentials` on its handlers."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_credentials"] = {"()": f"{__name__}.RedactCredentials"}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("redact_credentials")
    for logger in config["loggers"].values():
        logger["level"] = level.upper()
    return config


__all__ = ["RedactCredentials", "redact", "uvicorn_log_config"]
