"""Testing with Django's test runner: WebsocketTestCase."""

# --8<-- [start:testcase]
from chanx.messages.outgoing import ErrorMessage
from chanx.testing import WebsocketTestCase
from docs.snippets.quickstart import EchoMessage, EchoReply, Text
from docs.snippets.rooms import RoomMessage, Said, Say


class EchoTests(WebsocketTestCase):
    ws_path = "/ws/echo/"

    async def test_echo_replies_with_the_same_text(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.send_message(EchoMessage(payload=Text(text="hi")))
        replies = await self.auth_communicator.receive_all_messages()
        assert replies == [EchoReply(payload=Text(text="hi"))]

    async def test_invalid_payload_gets_an_error_and_the_connection_stays_open(self) -> None:
        ws = self.auth_communicator
        await ws.connect()
        await ws.send_json_to({"action": "echo", "payload": {"text": ""}})
        [error] = await ws.receive_all_messages()
        assert isinstance(error, ErrorMessage)
        assert error.payload.detail == "Message validation failed"
        await ws.send_message(EchoMessage(payload=Text(text="still here")))
        assert await ws.receive_all_messages() == [EchoReply(payload=Text(text="still here"))]


class RoomTests(WebsocketTestCase):
    ws_path = "/ws/rooms/lobby/"

    async def test_everyone_in_the_room_hears_it(self) -> None:
        alice = self.auth_communicator
        bob = self.create_communicator()  # another connection, e.g. with other headers
        await alice.connect()
        await bob.connect()

        await alice.send_message(Say(payload="hello"))
        said = RoomMessage(payload=Said(user="anonymous", text="hello"))
        # The sender gets its reply frames up to "complete"...
        assert await alice.receive_all_messages() == []
        # ...and each member gets the broadcast, followed by "group_complete".
        assert await alice.receive_all_messages(stop_action="group_complete") == [said]
        assert await bob.receive_all_messages(stop_action="group_complete") == [said]


# --8<-- [end:testcase]


# --8<-- [start:tokens]
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token

from docs.snippets.auth import WhoAmI, YouAre


class ProfileTests(WebsocketTestCase):
    ws_path = "/ws/profile/"

    def setUp(self) -> None:
        # get_ws_headers() runs in WebsocketTestCase.setUp: create what it needs first.
        # (Django never calls asyncSetUp on a TransactionTestCase.)
        self.user = User.objects.create_user("lin")
        self.token = Token.objects.create(user=self.user)
        super().setUp()

    def get_ws_headers(self) -> list[tuple[bytes, bytes]]:
        return [(b"authorization", f"Token {self.token.key}".encode())]

    async def test_the_token_holder_is_recognised(self) -> None:
        await self.auth_communicator.assert_authenticated_status_ok()
        await self.auth_communicator.send_message(WhoAmI())
        assert await self.auth_communicator.receive_all_messages() == [YouAre(payload="lin")]


# --8<-- [end:tokens]
