"""Property-based fuzzing of a consumer: no frame kills it, every bad frame gets an ``error``.

Hypothesis throws arbitrary text and binary frames, JSON of every shape and frames of the
real actions with mutated payloads at :class:`~tests.project.consumers.EchoConsumer`,
over one connection reused across examples (one event loop for the whole module, so the
connection outlives each example). Each frame must be answered as the message classes
say it should (a reply for a valid frame, an ``error`` for anything else, then
``complete``), and after every example the connection must still echo.

Examples are bounded: 200 per test by default (the ``ci`` profile), ``HYPOTHESIS_PROFILE=dev``
for a quick 30, ``HYPOTHESIS_PROFILE=long`` for 2,000.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from chanx.core.consumer import HANDLER_FAILED
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.testing import WebsocketCommunicator
from tests.channels.helpers import connect
from tests.project.messages import (
    CrashMessage,
    EchoMessage,
    OrderMessage,
    ShoutMessage,
    SlowMessage,
    WhoAmIMessage,
)

settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile("dev", parent=settings.get_profile("ci"), max_examples=30)
settings.register_profile("long", parent=settings.get_profile("ci"), max_examples=2000)
FUZZ = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
"""The settings every test here runs with (applied per test: the global profile is left alone)."""

MESSAGES: dict[str, type[BaseMessage]] = {
    "ping": PingMessage,
    "echo": EchoMessage,
    "order": OrderMessage,
    "shout": ShoutMessage,
    "slow": SlowMessage,
    "crash": CrashMessage,
    "whoami": WhoAmIMessage,
}
"""Every action EchoConsumer handles, with the class a frame of it must validate as."""

REPLIES: dict[str, list[str]] = {
    "ping": ["pong"],
    "echo": ["echo_reply"],
    "order": ["order_reply"],
    "shout": [],  # broadcast to the room, sender excluded: only ``complete`` comes back
    "slow": ["echo_reply"],
    "crash": ["error"],
    "whoami": ["whoami_reply"],
}

SLOW_LIMIT = 0.01
"""``slow`` sleeps for its payload in seconds: longer valid sleeps are not sent."""

MAX_DEPTH = 32
"""EchoConsumer's ``max_json_depth`` (the default): deeper frames get an ``error``."""


def _depth(value: Any) -> int:
    """Nesting depth of objects and arrays in a parsed JSON value (a scalar is 0)."""
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def valid_message(frame: str | bytes) -> BaseMessage | None:
    """The message ``frame`` is, by the message classes themselves; None if it is invalid.

    This is the fuzz oracle: a frame whose ``action`` names one of the classes and that
    validates as that class is valid; anything else must be answered with an ``error``.
    """
    if isinstance(frame, bytes):
        try:
            text = frame.decode("utf-8")
        except UnicodeDecodeError:
            return None
    else:
        text = frame
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or _depth(data) > MAX_DEPTH:
        return None
    action = data.get("action")
    message_class = MESSAGES.get(action) if isinstance(action, str) else None
    if message_class is None:
        return None
    try:
        return message_class.model_validate_json(frame)
    except ValidationError:
        return None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
"""Any JSON value (NaN and infinities included: ``json.dumps`` writes them as tokens)."""

_item = st.fixed_dictionaries(
    {"name": st.text(max_size=10), "quantity": st.integers(), "tags": st.lists(st.text(max_size=5))}
)
VALID_PAYLOADS: dict[str, st.SearchStrategy[Any]] = {
    "ping": st.none(),
    "echo": st.fixed_dictionaries({"text": st.text(max_size=30)}),
    "order": st.fixed_dictionaries(
        {
            "order_id": st.integers(),
            "customer_name": st.text(max_size=10),
            "items": st.lists(_item, max_size=3),
        }
    ),
    "shout": st.fixed_dictionaries({"text": st.text(max_size=30)}),
    "slow": st.floats(max_value=SLOW_LIMIT, allow_nan=False),
    "crash": st.none(),
    "whoami": st.none(),
}
"""Payloads each action accepts, to be mutated."""

_MISSING = object()


@st.composite
def mutated_payload(draw: st.DrawFn, action: str) -> Any:
    """A payload for ``action``: valid, or valid with one part replaced, dropped or added."""
    payload = draw(VALID_PAYLOADS[action])
    # "keep" weighs three times: about a third of the frames are valid and get replies.
    how = draw(st.sampled_from(["keep"] * 3 + ["replace", "drop", "add", "anything", "missing"]))
    if how == "anything":
        return draw(json_values)
    if how == "missing":
        return _MISSING
    if not isinstance(payload, dict) or not payload or how == "keep":
        return draw(json_values) if how != "keep" else payload
    key = draw(st.sampled_from(sorted(payload)))
    if how == "replace":
        payload[key] = draw(json_values)
    elif how == "drop":
        del payload[key]
    else:
        payload[draw(st.text(max_size=8))] = draw(json_values)
    return payload


@st.composite
def action_frames(draw: st.DrawFn) -> str:
    """A frame naming a real action (or an unknown one) with a mutated payload."""
    if draw(st.integers(0, 3)):
        action: Any = draw(st.sampled_from(sorted(MESSAGES)))
    else:
        action = draw(st.text(max_size=10) | json_values)
    known = isinstance(action, str) and action in MESSAGES
    payload = draw(mutated_payload(action) if known else json_values)
    frame: dict[str, Any] = {"action": action}
    if payload is not _MISSING:
        frame["payload"] = payload
    if draw(st.integers(0, 9)) == 0:
        frame[draw(st.text(max_size=8))] = draw(json_values)
    return json.dumps(frame, separators=draw(st.sampled_from([(",", ":"), (", ", ": ")])))


@dataclass
class Session:
    """One connection to EchoConsumer and the event loop it lives on, shared by examples."""

    loop: asyncio.AbstractEventLoop
    ws: WebsocketCommunicator
    frames: int = 0
    safety_net: list[logging.LogRecord] = field(default_factory=list)

    def run(self, frame: str | bytes) -> list[dict[str, Any]]:
        """Send ``frame`` and return what came back before ``complete``."""
        return self.loop.run_until_complete(self._exchange(frame))

    async def _exchange(self, frame: str | bytes) -> list[dict[str, Any]]:
        key = "text" if isinstance(frame, str) else "bytes"
        # send_input, not send_to: send_to refuses an empty frame.
        await self.ws.send_input({"type": "websocket.receive", key: frame})
        self.frames += 1
        return await self.ws.receive_all_json(timeout=3)

    def check(self, frame: str | bytes) -> None:
        """The fuzz property for one frame, then the connection must still echo."""
        message = valid_message(frame)
        # A valid ``slow`` frame sleeps for its payload: only short sleeps are sent.
        assume(not isinstance(message, SlowMessage) or message.payload <= SLOW_LIMIT)
        expected = ["error"] if message is None else REPLIES[message.action]
        answers = self.run(frame)
        assert [a.get("action") for a in answers] == expected, (frame, answers)
        for answer in answers:
            if answer["action"] == "error":
                detail = answer["payload"]["detail"]
                assert isinstance(detail, str) and detail, answer
                if isinstance(message, CrashMessage):
                    assert detail == HANDLER_FAILED
        echo = self.run('{"action":"echo","payload":{"text":"still here"}}')
        assert echo == [{"action": "echo_reply", "payload": {"text": "still here"}}]
        assert not self.ws.future.done(), "the consumer stopped"
        assert not self.safety_net, [r.getMessage() for r in self.safety_net]


class _Recorder(logging.Handler):
    def __init__(self, records: list[logging.LogRecord]) -> None:
        super().__init__(logging.ERROR)
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def session(django_db_setup: None, django_db_blocker: Any) -> Iterator[Session]:
    """One connection for every example of the module, on a loop of its own.

    Hypothesis runs each example synchronously; the loop is driven per frame with
    ``run_until_complete``, so the consumer task survives between examples. Database
    access is unblocked for the module (nothing is written): the consumer closes stale
    database connections now and then, which touches one opened by an earlier test. The
    recorder watches the frame inbox's last-resort handler, which logs only when the
    consumer's own error reporting failed: it must stay silent.
    """
    with django_db_blocker.unblock():
        loop = asyncio.new_event_loop()
        ws = loop.run_until_complete(connect("/ws/echo/"))
        fuzzed = Session(loop, ws)
        inbox_logger = logging.getLogger("chanx.core.inbox")
        recorder = _Recorder(fuzzed.safety_net)
        inbox_logger.addHandler(recorder)
        # Handler crashes are fuzzed on purpose: keep their tracebacks out of the output.
        consumer_logger = logging.getLogger("chanx.core.consumer")
        was_disabled, consumer_logger.disabled = consumer_logger.disabled, True
        try:
            yield fuzzed
        finally:
            consumer_logger.disabled = was_disabled
            inbox_logger.removeHandler(recorder)
            loop.run_until_complete(ws.disconnect())
            loop.close()


@FUZZ
@given(frame=st.text(max_size=300))
def test_arbitrary_text_frames_get_error_and_connection_keeps_echoing(
    session: Session, frame: str
) -> None:
    session.check(frame)


@FUZZ
@given(frame=st.binary(max_size=300))
def test_arbitrary_binary_frames_get_error_and_connection_keeps_echoing(
    session: Session, frame: bytes
) -> None:
    session.check(frame)


@FUZZ
@given(value=json_values)
def test_json_of_every_shape_is_answered_and_connection_keeps_echoing(
    session: Session, value: Any
) -> None:
    session.check(json.dumps(value))


@FUZZ
@given(frame=action_frames())
def test_every_action_with_mutated_payloads_is_answered_as_its_class_says(
    session: Session, frame: str
) -> None:
    session.check(frame)


@FUZZ
@given(frame=action_frames().map(str.encode))
def test_action_frames_sent_as_binary_are_handled_like_text(session: Session, frame: bytes) -> None:
    session.check(frame)


def test_the_shared_connection_still_answers_a_ping(session: Session) -> None:
    # Whatever ran before it in the module, the one connection still works.
    assert session.run('{"action":"ping"}') == [{"action": "pong", "payload": None}]
