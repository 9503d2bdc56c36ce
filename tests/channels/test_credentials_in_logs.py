"""Credentials sent with the handshake (query string, headers, cookies) never reach the logs.

Every logger is captured at DEBUG while connections carry secrets in the places clients
put them, exchange frames (valid ones, invalid ones, a handler that crashes), get refused
by a DRF authenticator or crash in one, and disconnect. No log record may hold a secret:
not in its message, its arguments, its traceback or its stack.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token

from chanx.testing import WebsocketCommunicator
from tests.drf.helpers import closed_with, open_ws
from tests.project.asgi import application
from tests.project.consumers import EchoConsumer

pytestmark = pytest.mark.django_db(transaction=True)

QUERY_SECRET = "SECRET123qs"
HEADER_SECRET = "SECRET456hdr"
COOKIE_SECRET = "SECRET789ck"
API_KEY_SECRET = "SECRET000key"
SECRETS = (QUERY_SECRET, HEADER_SECRET, COOKIE_SECRET, API_KEY_SECRET)

HEADERS = [
    (b"origin", b"http://testserver"),
    (b"authorization", f"Token {HEADER_SECRET}".encode()),
    (b"cookie", f"sessionid={COOKIE_SECRET}; other=1".encode()),
    (b"x-api-key", API_KEY_SECRET.encode()),
]


def record_texts(record: logging.LogRecord) -> Iterable[str]:
    """Every piece of text a handler could write for ``record``."""
    yield record.getMessage()
    yield repr(record.msg)
    yield repr(record.args)
    if record.exc_info and record.exc_info[1] is not None:
        yield "".join(traceback.format_exception(*record.exc_info))
    if record.exc_text:
        yield record.exc_text
    if record.stack_info:
        yield record.stack_info
    for name, value in vars(record).items():
        if name not in logging.LogRecord("", 0, "", 0, "", None, None).__dict__:
            yield f"{name}={value!r}"  # ``extra=`` attributes


def leaked(records: list[logging.LogRecord]) -> list[tuple[str, str, str]]:
    """(logger, secret, text) for every record that contains a secret."""
    return [
        (record.name, secret, text[:300])
        for record in records
        for text in record_texts(record)
        for secret in SECRETS
        if secret in text
    ]


@pytest.fixture
def bob_token(transactional_db: None) -> str:
    """The DRF token of a user who exists, for the admitted-connection case."""
    return str(Token.objects.create(user=User.objects.create_user("bob")).key)


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every logger, DEBUG and up, captured (chanx's, Django's, Channels', asyncio's)."""
    caplog.set_level(logging.DEBUG)
    for name in ("chanx", "django", "django.channels", "channels", "daphne", "asyncio"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


async def test_handshake_credentials_stay_out_of_logs_through_a_whole_connection(
    all_logs: pytest.LogCaptureFixture,
) -> None:
    ws = WebsocketCommunicator(
        application, f"/ws/echo/?token={QUERY_SECRET}&x=1", headers=HEADERS, consumer=EchoConsumer
    )
    connected, _ = await ws.connect()
    assert connected
    for frame in (
        '{"action": "echo", "payload": {"text": "hi"}}',
        '{"action": "whoami"}',
        "{not json",
        '{"action": "echo", "payload": {"text": 5}}',
        '{"action": "nope"}',
        '{"action": "crash"}',
        '{"action": "shout", "payload": {"text": "all"}}',
    ):
        await ws.send_to(text_data=frame)
        await ws.receive_all_json(timeout=2)
    await ws.disconnect()

    records = all_logs.records
    assert any("failed handling action 'crash'" in r.getMessage() for r in records), (
        "the crash was not logged: the capture is not seeing chanx's records"
    )
    assert any(r.levelno == logging.INFO and r.name == "chanx.messages" for r in records)
    assert leaked(records) == []
    assert not any(secret in all_logs.text for secret in SECRETS)


async def test_refused_token_is_not_logged_by_the_drf_authenticator(
    all_logs: pytest.LogCaptureFixture,
) -> None:
    ws, auth = await open_ws(f"/ws/token/?token={QUERY_SECRET}", HEADERS[1:])
    assert auth["status_code"] == 401
    assert await closed_with(ws) == 4401

    assert leaked(all_logs.records) == []
    assert not any(secret in all_logs.text for secret in SECRETS)


async def test_refused_api_key_is_not_logged(all_logs: pytest.LogCaptureFixture) -> None:
    ws, auth = await open_ws(f"/ws/apikey/?user=nobody&token={QUERY_SECRET}", HEADERS[1:])
    assert auth["status_code"] == 401
    assert await closed_with(ws) == 4401

    assert leaked(all_logs.records) == []


async def test_crashing_authenticator_logs_its_traceback_without_the_credentials(
    all_logs: pytest.LogCaptureFixture,
) -> None:
    ws, auth = await open_ws(f"/ws/crash/?token={QUERY_SECRET}", HEADERS[1:])
    assert auth["status_code"] == 500
    assert await closed_with(ws) == 4500

    tracebacks = [r for r in all_logs.records if r.exc_info]
    assert tracebacks, "the crash was not logged with its traceback"
    assert leaked(all_logs.records) == []
    assert not any(secret in all_logs.text for secret in SECRETS)


async def test_admitted_token_user_is_not_logged_with_the_token(
    bob_token: str, all_logs: pytest.LogCaptureFixture
) -> None:
    token = bob_token
    ws, auth = await open_ws(
        f"/ws/token/?token={QUERY_SECRET}",
        [(b"authorization", f"Token {token}".encode()), *HEADERS[2:]],
    )
    assert auth["status_code"] == 200
    await ws.send_json_to({"action": "whoami"})
    await ws.receive_from(2)
    await ws.disconnect()

    assert leaked(all_logs.records) == []
    assert not any(token in text for r in all_logs.records for text in record_texts(r))
