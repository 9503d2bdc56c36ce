"""Authentication: DRF rules on connect, and a hand-written authenticator."""

# --8<-- [start:messages]
from typing import Literal

from chanx.messages.base import BaseMessage


class WhoAmI(BaseMessage):
    action: Literal["whoami"] = "whoami"
    payload: None = None


class YouAre(BaseMessage):
    action: Literal["you_are"] = "you_are"
    payload: str


# --8<-- [end:messages]

# --8<-- [start:drf]
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import IsAuthenticated

from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import ws_handler
from chanx.drf import DjangoAuthenticator


class MemberAuthenticator(DjangoAuthenticator):
    """Logged-in users only: a session cookie (browsers) or `Authorization: Token ...`."""

    authentication_classes = [SessionAuthentication, TokenAuthentication]
    permission_classes = [IsAuthenticated]
    queryset = None  # the connection is not about one object


class ProfileConsumer(AsyncJsonWebsocketConsumer):
    authenticator_class = MemberAuthenticator

    async def post_authentication(self) -> None:
        # Runs once, after authentication succeeded and the groups were joined,
        # before the first frame is handled.
        self.username = self.scope["user"].get_username()

    @ws_handler
    async def handle_whoami(self, message: WhoAmI) -> YouAre:
        return YouAre(payload=self.username)


# --8<-- [end:drf]

# --8<-- [start:custom]
from typing import Any

from chanx.channels.authentication import BaseAuthenticator

API_KEYS = {"k-123": "build-bot"}


class ApiKeyAuthenticator(BaseAuthenticator):
    """Admits handshakes carrying a known `X-Api-Key` header; no DRF needed."""

    async def authenticate(self, scope: dict[str, Any]) -> bool:
        headers = dict(scope["headers"])
        key = headers.get(b"x-api-key", b"").decode()
        if key not in API_KEYS:
            # Records the outcome (403 Forbidden, this data) and returns False.
            return self.refuse(403, {"detail": "Unknown API key."})
        self.user = API_KEYS[key]  # becomes scope["user"]
        return self.admit()  # 200 OK; returns True


class BotConsumer(AsyncJsonWebsocketConsumer):
    authenticator_class = ApiKeyAuthenticator

    @ws_handler
    async def handle_whoami(self, message: WhoAmI) -> YouAre:
        return YouAre(payload=self.scope["user"])


# --8<-- [end:custom]

# --8<-- [start:routing]
from chanx.channels.routing import URLRouter, path

router = URLRouter(
    [
        path("ws/profile/", ProfileConsumer.as_asgi()),
        path("ws/bots/", BotConsumer.as_asgi()),
    ]
)
# --8<-- [end:routing]
