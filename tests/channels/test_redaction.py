"""Credentials in server log lines are redacted by chanx's logging filter."""

from __future__ import annotations

import logging
import logging.config

import pytest

from chanx.channels.redaction import RedactCredentials, redact, uvicorn_log_config


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            '127.0.0.1:5 - "WebSocket /ws/chat/?token=abc&x=1" [accepted]',
            '127.0.0.1:5 - "WebSocket /ws/chat/?[redacted]" [accepted]',
        ),
        ("< authorization: Token abc123", "< authorization: [redacted]"),
        ("< Cookie: sessionid=abc; csrftoken=def", "< Cookie: [redacted]"),
        ("X-Api-Key=abc", "X-Api-Key=[redacted]"),
        ("nothing secret here", "nothing secret here"),
    ],
)
def test_redact_hides_query_strings_and_credential_headers(line: str, expected: str) -> None:
    assert redact(line) == expected


def test_filter_rewrites_formatted_records_only_when_needed() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s %s", ("GET", "/p?t=1"), None)
    assert RedactCredentials().filter(record)
    assert record.getMessage() == "GET /p?[redacted]"
    plain = logging.LogRecord("x", logging.INFO, __file__, 1, "%s", ("ok",), None)
    RedactCredentials().filter(plain)
    assert plain.args == ("ok",)


def test_uvicorn_config_puts_the_filter_on_every_handler() -> None:
    config = uvicorn_log_config("debug")
    assert all("redact_credentials" in h["filters"] for h in config["handlers"].values())
    assert {logger["level"] for logger in config["loggers"].values()} == {"DEBUG"}
    logging.config.dictConfig(config)
