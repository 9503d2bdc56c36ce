"""Consumers and routes the chanx-drf tests connect to, behind Channels' AuthMiddlewareStack."""

from __future__ import annotations

from typing import Any, ClassVar

from channels.auth import AuthMiddlewareStack

from chanx.channels.authentication import BaseAuthenticator
from chanx.channels.routing import URLRouter, path, re_path
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import ws_handler
from chanx.drf import DjangoAuthenticator
from tests.drf import authenticators as auth
from tests.project.messages import EchoMessage, EchoReply, WhoAmIMessage, WhoAmIReply


class ProbeConsumer(AsyncJsonWebsocketConsumer):
    """Echoes and tells who it thinks the client is; records every handler call."""

    handled: ClassVar[list[str]] = []

    @ws_handler
    async def handle_echo(self, message: EchoMessage) -> EchoReply:
        type(self).handled.append(message.payload.text)
        return EchoReply(payload=message.payload)

    @ws_handler
    async def handle_whoami(self, message: WhoAmIMessage) -> WhoAmIReply:
        type(self).handled.append("whoami")
        authenticator = self.authenticator
        assert isinstance(authenticator, DjangoAuthenticator)
        user = self.scope["user"]
        return WhoAmIReply(
            payload={
                "user": str(getattr(user, "username", "") or "anonymous"),
                "authenticator_user": str(getattr(authenticator.user, "username", "")),
                "obj": str(authenticator.obj),
            }
        )


def _consumer(authenticator: type[BaseAuthenticator]) -> Any:
    name = authenticator.__name__.replace("Authenticator", "Consumer")
    consumer = type(name, (ProbeConsumer,), {"authenticator_class": authenticator})
    return consumer.as_asgi()


router = URLRouter(
    [
        path("ws/token/", _consumer(auth.TokenAuthenticator)),
        path("ws/session/", _consumer(auth.SessionAuthenticator)),
        path("ws/session-post/", _consumer(auth.SessionPostAuthenticator)),
        path("ws/apikey/", _consumer(auth.ApiKeyAuthenticator)),
        re_path(r"^ws/rooms/(?P<room_name>[-\w]+)/$", _consumer(auth.RoomAuthenticator)),
        re_path(r"^ws/rooms/(?P<room_name>[-\w]+)/write/$", _consumer(auth.RoomWriteAuthenticator)),
        re_path(r"^ws/my-rooms/(?P<room_name>[-\w]+)/$", _consumer(auth.MyRoomsAuthenticator)),
        path("ws/query-room/", _consumer(auth.QueryRoomAuthenticator)),
        path("ws/misrouted-room/", _consumer(auth.RoomAuthenticator)),
        path("ws/touch/", _consumer(auth.TouchViewAuthenticator)),
        path("ws/touch-real/", _consumer(auth.RealTouchViewAuthenticator)),
        path("ws/slow/", _consumer(auth.SlowTokenAuthenticator)),
        path("ws/very-slow/", _consumer(auth.VerySlowTokenAuthenticator)),
        path("ws/slow-refusal/", _consumer(auth.SlowRefusingAuthenticator)),
        path("ws/crash/", _consumer(auth.CrashingAuthenticator)),
        path("ws/throttled/", _consumer(auth.ThrottledAuthenticator)),
    ]
)

application = AuthMiddlewareStack(router)
"""The test routes behind cookies, sessions and ``scope["user"]``, as a project serves them."""
