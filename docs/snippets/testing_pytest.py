"""Testing with pytest: the opt-in ws_connect fixture."""

# --8<-- [start:tests]
import pytest

from chanx.testing.connector import WebsocketConnector
from docs.snippets.quickstart import EchoMessage, EchoReply, Text
from docs.snippets.rooms import AnnouncementNotice, announce_async

pytestmark = pytest.mark.django_db(transaction=True)


async def test_echo(ws_connect: WebsocketConnector) -> None:
    ws = await ws_connect("/ws/echo/")  # connected; disconnected after the test
    await ws.send_message(EchoMessage(payload=Text(text="hi")))
    assert await ws.receive_all_messages() == [EchoReply(payload=Text(text="hi"))]


async def test_announcement_reaches_the_room(ws_connect: WebsocketConnector) -> None:
    ws = await ws_connect("/ws/rooms/lobby/")
    await announce_async("lobby", "maintenance at noon")
    notices = await ws.receive_all_messages(stop_action="event_complete")
    assert notices == [AnnouncementNotice(payload="maintenance at noon")]


async def test_anonymous_users_are_refused(ws_connect: WebsocketConnector) -> None:
    message = await ws_connect.refused("/ws/profile/", 401)  # also asserts close code 4401
    assert message is not None
    assert message.payload.data == {"detail": "Authentication credentials were not provided."}


# --8<-- [end:tests]
