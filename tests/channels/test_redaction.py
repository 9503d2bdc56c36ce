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


def test_uvicorn_access_formatter_still_formats_a_redacted_record() -> None:
    from uvicorn.logging import AccessFormatter

    args = ("127.0.0.1:5", "GET", "/ws/chat/?token=abc", "1.1", 200)
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d', args, None
    )
    assert RedactCredentials().filter(record)
    assert record.args == ("127.0.0.1:5", "GET", "/ws/chat/?[redacted]", "1.1", 200)
    line = AccessFormatter("%(request_line)s %(status_code)s", use_colors=False).format(record)
    assert line == "GET /ws/chat/?[redacted] HTTP/1.1 200 OK"


def test_secret_split_across_args_is_redacted_and_args_keep_their_length() -> None:
    record = logging.LogRecord(
        "x", logging.DEBUG, __file__, 1, "> %s: %s", ("Authorization", "Token abc%d"), None
    )
    RedactCredentials().filter(record)
    assert record.getMessage() == "> Authorization: [redacted]"
    assert record.args == ("Authorization", "[redacted]")
    assert "abc" not in logging.Formatter("%(message)s %(args)s").format(record)


def test_mapping_args_stay_a_mapping_with_the_secret_redacted() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%(path)s", None, None)
    record.args = {"path": "/p?token=abc", "status": 200}
    RedactCredentials().filter(record)
    assert record.args == {"path": "/p?[redacted]", "status": 200}
    assert record.getMessage() == "/p?[redacted]"
    split = logging.LogRecord("x", logging.INFO, __file__, 1, "%(name)s: %(value)s", None, None)
    split.args = {"name": "Cookie", "value": "sessionid=abc"}
    RedactCredentials().filter(split)
    assert split.getMessage() == "Cookie: [redacted]"
    assert split.args == {"name": "Cookie", "value": "[redacted]"}
