"""``authenticate()`` answers True or False and keeps the outcome on the authenticator.

The DRF authenticator first, called directly as a custom consumer would; then the
contract every ``BaseAuthenticator`` follows, through a consumer (these belong with
chanx-channels' tests, but exercise it as chanx-drf's authenticator relies on it).
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator

from chanx.channels.authentication import BaseAuthenticator
from chanx.messages.outgoing import AuthenticationPayload
from tests.drf.authenticators import RoomAuthenticator, TokenAuthenticator
from tests.drf.conftest import People
from tests.drf.consumers import ProbeConsumer
from tests.drf.helpers import closed_with, open_ws


async def _ignore(message: object) -> None:
    return None


def handshake(path: str, headers: list[tuple[bytes, bytes]], **route: str) -> dict[str, Any]:
    return {
        "type": "websocket",
        "path": path,
        "query_string": b"",
        "headers": headers,
        "url_route": {"args": (), "kwargs": route},
    }


@pytest.mark.django_db(transaction=True)
async def test_authenticate_is_true_for_an_admitted_connection_with_user_and_object(
    people: People,
) -> None:
    authenticator = RoomAuthenticator(send_message=_ignore)
    scope = handshake("/ws/rooms/general/", people.token_header("bob"), room_name="general")
    if not await authenticator.authenticate(scope):
        pytest.fail(f"bob, a member, was refused: {authenticator.outcome}")
    assert authenticator.outcome == AuthenticationPayload(
        status_code=200, status_text="OK", data={"detail": "OK"}
    )
    assert (authenticator.status_code, authenticator.status_text) == (200, "OK")
    assert authenticator.data == {"detail": "OK"}
    assert authenticator.user.username == "bob"
    assert str(authenticator.obj) == "general"


@pytest.mark.django_db(transaction=True)
async def test_authenticate_is_false_for_a_refused_connection_and_keeps_the_outcome(
    people: People,
) -> None:
    authenticator = RoomAuthenticator(send_message=_ignore)
    scope = handshake("/ws/rooms/general/", people.token_header("carol"), room_name="general")
    if await authenticator.authenticate(scope):
        pytest.fail("carol is not a member of the room")
    assert (authenticator.status_code, authenticator.status_text) == (403, "Forbidden")
    assert authenticator.data == {"detail": "You are not allowed in this room."}
    assert authenticator.obj is None

    anonymous = TokenAuthenticator(send_message=_ignore)
    assert await anonymous.authenticate(handshake("/ws/token/", [])) is False
    assert anonymous.outcome == AuthenticationPayload(
        status_code=401,
        status_text="Unauthorized",
        data={"detail": "Authentication credentials were not provided."},
    )


@pytest.mark.django_db(transaction=True)
async def test_consumer_sends_the_outcome_and_closes_refused_connections_with_4000_plus_status(
    people: People,
) -> None:
    ws, auth = await open_ws("/ws/token/")
    assert auth["status_code"] == 401
    assert await closed_with(ws) == 4401
    ws, auth = await open_ws("/ws/rooms/general/", people.token_header("carol"))
    assert auth["status_code"] == 403
    assert await closed_with(ws) == 4403
    assert ProbeConsumer.handled == []


class KeyAuthenticator(BaseAuthenticator):
    """``x-key: open`` is admitted; any other key is refused with 403, none with 401."""

    async def authenticate(self, scope: dict[str, Any]) -> bool:
        key = dict(scope["headers"]).get(b"x-key")
        if key is None:
            return self.refuse(401, {"detail": "No key."})
        if key != b"open":
            return self.refuse(403)
        self.user = "keyholder"
        return self.admit({"detail": "Welcome."})


class BareDecisionAuthenticator(BaseAuthenticator):
    """Returns a bool and records nothing: the consumer fills in 200 OK or 403 Forbidden."""

    async def authenticate(self, scope: dict[str, Any]) -> bool:
        return bool(dict(scope["headers"]).get(b"x-key"))


class ContradictingAuthenticator(BaseAuthenticator):
    """Admits while its outcome says 403: a bug, refused with 500."""

    async def authenticate(self, scope: dict[str, Any]) -> bool:
        self.outcome = AuthenticationPayload(status_code=403, status_text="Forbidden")
        return True


class ForgetfulAuthenticator(BaseAuthenticator):
    """Forgets to return its decision."""

    async def authenticate(self, scope: dict[str, Any]) -> bool:
        self.admit()
        return None  # type: ignore[return-value]


class PayloadAuthenticator(BaseAuthenticator):
    """The contract before authenticate() returned a bool: it returned the outcome."""

    async def authenticate(self, scope: dict[str, Any]) -> bool:
        if dict(scope["headers"]).get(b"x-key") == b"open":
            return AuthenticationPayload(status_code=200, status_text="OK")  # type: ignore[return-value]
        return AuthenticationPayload(status_code=403, status_text="Forbidden")  # type: ignore[return-value]


async def connect(
    authenticator: type[BaseAuthenticator], headers: list[tuple[bytes, bytes]]
) -> tuple[WebsocketCommunicator, dict[str, Any]]:
    consumer = type("GateConsumer", (ProbeConsumer,), {"authenticator_class": authenticator})
    ws = WebsocketCommunicator(consumer.as_asgi(), "/ws/gate/", headers=headers)
    connected, _ = await ws.connect()
    assert connected
    frame = json.loads(await ws.receive_from(3))
    assert frame["action"] == "authentication"
    payload: dict[str, Any] = frame["payload"]
    return ws, payload


async def test_admit_and_refuse_record_the_outcome_and_return_the_decision() -> None:
    ws, auth = await connect(KeyAuthenticator, [(b"x-key", b"open")])
    assert auth == {"status_code": 200, "status_text": "OK", "data": {"detail": "Welcome."}}
    await ws.disconnect()
    ws, auth = await connect(KeyAuthenticator, [])
    assert auth == {
        "status_code": 401,
        "status_text": "Unauthorized",
        "data": {"detail": "No key."},
    }
    assert await closed_with(ws) == 4401
    ws, auth = await connect(KeyAuthenticator, [(b"x-key", b"wrong")])
    assert auth == {"status_code": 403, "status_text": "Forbidden", "data": None}
    assert await closed_with(ws) == 4403


def test_admit_and_refuse_reject_a_status_of_the_other_kind() -> None:
    authenticator = KeyAuthenticator(send_message=_ignore)
    with pytest.raises(ValueError, match=r"KeyAuthenticator.admit\(status_code=403\).*refuse\(\)"):
        authenticator.admit(status_code=403)
    with pytest.raises(ValueError, match=r"KeyAuthenticator.refuse\(204\): a 2xx status admits"):
        authenticator.refuse(204)
    assert authenticator.outcome is None
    assert (authenticator.status_code, authenticator.status_text, authenticator.data) == (
        None,
        None,
        None,
    )


async def test_decision_without_an_outcome_is_sent_as_200_or_403() -> None:
    ws, auth = await connect(BareDecisionAuthenticator, [(b"x-key", b"any")])
    assert auth == {"status_code": 200, "status_text": "OK", "data": None}
    await ws.disconnect()
    ws, auth = await connect(BareDecisionAuthenticator, [])
    assert auth == {"status_code": 403, "status_text": "Forbidden", "data": None}
    assert await closed_with(ws) == 4403


@pytest.mark.parametrize(
    ("authenticator", "logged"),
    [
        (
            ContradictingAuthenticator,
            "ContradictingAuthenticator.authenticate() returned True with an outcome of 403",
        ),
        (
            ForgetfulAuthenticator,
            "ForgetfulAuthenticator.authenticate() returned None: it must return True",
        ),
    ],
)
async def test_broken_decision_is_refused_with_500_and_logged_naming_the_fix(
    authenticator: type[BaseAuthenticator], logged: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        ws, auth = await connect(authenticator, [(b"x-key", b"open")])
    assert auth == {"status_code": 500, "status_text": "Internal Server Error", "data": None}
    assert await closed_with(ws) == 4500
    assert any(logged in str(r.exc_info[1]) for r in caplog.records if r.exc_info)
    assert ProbeConsumer.handled == []


async def test_returned_payload_still_decides_with_a_deprecation_warning() -> None:
    with pytest.warns(DeprecationWarning, match=r"PayloadAuthenticator.authenticate\(\) returned"):
        ws, auth = await connect(PayloadAuthenticator, [(b"x-key", b"open")])
    assert auth["status_code"] == 200
    await ws.disconnect()
    with pytest.warns(DeprecationWarning):
        ws, auth = await connect(PayloadAuthenticator, [])
    assert auth["status_code"] == 403
    assert await closed_with(ws) == 4403
