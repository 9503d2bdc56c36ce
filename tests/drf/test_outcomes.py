"""DjangoAuthenticator decides like the REST API would: 200, 401, 403, 404, 429."""

from __future__ import annotations

import pytest

from tests.drf.authenticators import SIDE_EFFECTS
from tests.drf.conftest import People
from tests.drf.consumers import ProbeConsumer
from tests.drf.helpers import closed_with, open_ws, round_trip

pytestmark = pytest.mark.django_db(transaction=True)

OK = {"status_code": 200, "status_text": "OK", "data": {"detail": "OK"}}
WHOAMI = {"action": "whoami"}


async def test_token_authentication_admits_user_and_sets_scope_user(people: People) -> None:
    ws, auth = await open_ws("/ws/token/", people.token_header("carol"))
    assert auth == OK
    reply = await round_trip(ws, WHOAMI)
    assert reply["payload"] == {"user": "carol", "authenticator_user": "carol", "obj": "None"}
    await ws.disconnect()


async def test_missing_token_is_401_and_closes_with_4401(people: People) -> None:
    ws, auth = await open_ws("/ws/token/")
    assert auth == {
        "status_code": 401,
        "status_text": "Unauthorized",
        "data": {"detail": "Authentication credentials were not provided."},
    }
    assert await closed_with(ws) == 4401


async def test_invalid_token_is_401_with_drf_detail(people: People) -> None:
    ws, auth = await open_ws("/ws/token/", [(b"authorization", b"Token not-a-real-token")])
    assert auth["status_code"] == 401
    assert auth["data"] == {"detail": "Invalid token."}
    assert await closed_with(ws) == 4401


async def test_session_cookie_from_django_login_authenticates(
    people: People, session_cookie: str
) -> None:
    ws, auth = await open_ws("/ws/session/", [(b"cookie", session_cookie.encode())])
    assert auth == OK
    assert (await round_trip(ws, WHOAMI))["payload"]["user"] == "bob"
    await ws.disconnect()


async def test_session_without_login_is_401_not_drfs_403(people: People) -> None:
    # Over HTTP, DRF turns this into 403 because SessionAuthentication has no
    # WWW-Authenticate scheme; a WebSocket client needs to know it must log in.
    ws, auth = await open_ws("/ws/session/", [(b"cookie", b"sessionid=forged")])
    assert auth["status_code"] == 401
    assert auth["data"] == {"detail": "Authentication credentials were not provided."}
    assert await closed_with(ws) == 4401


async def test_session_post_without_csrf_token_is_refused_by_drf_csrf_check(
    people: People, session_cookie: str
) -> None:
    ws, auth = await open_ws("/ws/session-post/", [(b"cookie", session_cookie.encode())])
    assert auth["status_code"] == 403
    assert auth["data"]["detail"].startswith("CSRF Failed")
    assert await closed_with(ws) == 4403


async def test_session_post_with_csrf_cookie_and_header_is_admitted(
    people: People, session_cookie: str
) -> None:
    token = "a" * 32
    headers = [
        (b"cookie", f"{session_cookie}; csrftoken={token}".encode()),
        (b"x-csrftoken", token.encode()),
    ]
    ws, auth = await open_ws("/ws/session-post/", headers)
    assert auth == OK
    await ws.disconnect()


async def test_custom_authentication_reads_headers_and_query_string(people: People) -> None:
    ws, auth = await open_ws("/ws/apikey/?user=alice", [(b"x-api-key", b"sesame")])
    assert auth == OK
    assert (await round_trip(ws, WHOAMI))["payload"]["user"] == "alice"
    await ws.disconnect()
    ws, auth = await open_ws("/ws/apikey/?user=nobody", [(b"x-api-key", b"sesame")])
    assert (auth["status_code"], auth["data"]) == (401, {"detail": "Unknown user."})


async def test_room_member_is_admitted_and_gets_the_room_object(people: People) -> None:
    ws, auth = await open_ws("/ws/rooms/general/", people.token_header("bob"))
    assert auth == OK
    assert (await round_trip(ws, WHOAMI))["payload"]["obj"] == "general"
    await ws.disconnect()


async def test_object_permission_refusal_is_403_with_the_permission_message(
    people: People,
) -> None:
    ws, auth = await open_ws("/ws/rooms/general/", people.token_header("carol"))
    assert auth == {
        "status_code": 403,
        "status_text": "Forbidden",
        "data": {"detail": "You are not allowed in this room."},
    }
    assert await closed_with(ws) == 4403


async def test_unknown_object_is_404(people: People) -> None:
    ws, auth = await open_ws("/ws/rooms/nowhere/", people.token_header("bob"))
    assert auth == {
        "status_code": 404,
        "status_text": "Not Found",
        "data": {"detail": "No Room matches the given query."},
    }
    assert await closed_with(ws) == 4404


async def test_post_method_makes_method_sensitive_permissions_decide_as_for_writes(
    people: People,
) -> None:
    member, auth = await open_ws("/ws/rooms/general/write/", people.token_header("bob"))
    assert auth["status_code"] == 403
    assert await closed_with(member) == 4403
    owner, auth = await open_ws("/ws/rooms/general/write/", people.token_header("alice"))
    assert auth == OK
    await owner.disconnect()


async def test_get_queryset_override_hides_rooms_the_user_is_not_in(people: People) -> None:
    member, auth = await open_ws("/ws/my-rooms/general/", people.token_header("bob"))
    assert auth == OK
    assert (await round_trip(member, WHOAMI))["payload"]["obj"] == "general"
    await member.disconnect()
    # alice owns "general" but is not among its members: for this queryset it does not exist.
    _, auth = await open_ws("/ws/my-rooms/general/", people.token_header("alice"))
    assert auth["status_code"] == 404


async def test_get_object_override_finds_the_object_its_own_way(people: People) -> None:
    ws, auth = await open_ws("/ws/query-room/?room=general", people.token_header("bob"))
    assert auth == OK
    assert (await round_trip(ws, WHOAMI))["payload"]["obj"] == "general"
    await ws.disconnect()
    _, auth = await open_ws("/ws/query-room/?room=general", people.token_header("carol"))
    assert auth["status_code"] == 403
    _, auth = await open_ws("/ws/query-room/?room=elsewhere", people.token_header("bob"))
    assert (auth["status_code"], auth["data"]) == (404, {"detail": "No such room."})


async def test_custom_view_methods_are_replaced_so_no_side_effect_runs(people: People) -> None:
    ws, auth = await open_ws("/ws/touch/", people.token_header("alice"))
    assert auth == OK
    assert SIDE_EFFECTS == []
    await ws.disconnect()
    # The view's own access rules still apply.
    _, auth = await open_ws("/ws/touch/")
    assert auth["status_code"] == 401


async def test_real_view_method_runs_when_override_http_methods_is_false(people: People) -> None:
    ws, auth = await open_ws("/ws/touch-real/", people.token_header("alice"))
    assert auth == {"status_code": 200, "status_text": "OK", "data": {"touched": True}}
    assert SIDE_EFFECTS == ["alice"]
    await ws.disconnect()


async def test_throttled_connection_is_429(people: People) -> None:
    first, auth = await open_ws("/ws/throttled/")
    assert auth == OK
    second, auth = await open_ws("/ws/throttled/")
    assert (auth["status_code"], auth["status_text"]) == (429, "Too Many Requests")
    assert auth["data"]["detail"].startswith("Request was throttled.")
    assert await closed_with(second) == 4429
    await first.disconnect()


async def test_refused_connection_never_reaches_a_handler(people: People) -> None:
    ws, _ = await open_ws("/ws/rooms/general/", people.token_header("carol"))
    await ws.send_json_to({"action": "echo", "payload": {"text": "sneaky"}})
    assert await closed_with(ws) == 4403
    assert await ws.receive_nothing(0.1)
    assert ProbeConsumer.handled == []
