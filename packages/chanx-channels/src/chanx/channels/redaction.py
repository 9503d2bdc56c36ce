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
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


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
