"""Authentication, permission and view classes the chanx-drf tests configure authenticators with."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from rest_framework.authentication import BaseAuthentication, TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed, NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from chanx.drf import ChanxAuthView, DjangoAuthenticator
from tests.project.models import Room

SIDE_EFFECTS: list[str] = []
"""Appended to by ``TouchRoomView.get``: proves whether a real view method ran."""


class ApiKeyAuthentication(BaseAuthentication):
    """A custom scheme: ``X-Api-Key: sesame`` header plus ``?user=<username>`` query."""

    def authenticate(self, request: Request) -> tuple[User, None] | None:
        if request.META.get("HTTP_X_API_KEY") != "sesame":
            return None
        try:
            return User.objects.get(username=request.GET.get("user", "")), None
        except User.DoesNotExist:
            raise AuthenticationFailed("Unknown user.") from None

    def authenticate_header(self, request: Request) -> str:
        return "ApiKey"


class SlowTokenAuthentication(TokenAuthentication):
    """Token authentication that takes half a second (a slow identity provider)."""

    delay = 0.5

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        time.sleep(self.delay)
        return super().authenticate(request)


class VerySlowTokenAuthentication(SlowTokenAuthentication):
    delay = 1.0


class SlowRefusingAuthentication(BaseAuthentication):
    """Takes half a second, then refuses everyone."""

    def authenticate(self, request: Request) -> None:
        time.sleep(0.5)
        raise AuthenticationFailed("Refused after a while.")

    def authenticate_header(self, request: Request) -> str:
        return "Slow"


class CrashingAuthentication(BaseAuthentication):
    """Fails the way a bug would, with internals in the exception text."""

    def authenticate(self, request: Request) -> None:
        raise RuntimeError("password=hunter2 in SELECT * FROM auth_user")


class IsRoomMember(BasePermission):
    """Members may read a room (GET); only its owner may write (POST, ...)."""

    message = "You are not allowed in this room."

    def has_object_permission(self, request: Request, view: Any, obj: Room) -> bool:
        user = request.user
        if request.method in SAFE_METHODS:
            return obj.owner_id == user.pk or obj.members.filter(pk=user.pk).exists()
        return bool(obj.owner_id == user.pk)


class OncePerMinute(AnonRateThrottle):
    rate = "1/minute"


class TokenAuthenticator(DjangoAuthenticator):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]


class SessionAuthenticator(DjangoAuthenticator):
    """Relies on DRF's default authentication classes (SessionAuthentication first)."""

    permission_classes = [IsAuthenticated]


class SessionPostAuthenticator(SessionAuthenticator):
    auth_method = "post"


class ApiKeyAuthenticator(DjangoAuthenticator):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [IsAuthenticated]


class RoomAuthenticator(DjangoAuthenticator):
    """Token auth, then the room named in the route, members only."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated, IsRoomMember]
    queryset = Room.objects
    lookup_field = "name"
    lookup_url_kwarg = "room_name"


class RoomWriteAuthenticator(RoomAuthenticator):
    """The same room, emulating a POST: only the owner passes ``IsRoomMember``."""

    auth_method = "post"


class MyRoomsAuthenticator(RoomAuthenticator):
    """Rooms outside the user's memberships do not exist for them (404)."""

    permission_classes = [IsAuthenticated]

    def get_queryset(self) -> QuerySet[Any]:
        assert self.request is not None
        return Room.objects.filter(members=self.request.user)


class QueryRoomAuthenticator(DjangoAuthenticator):
    """Finds the room named in ``?room=`` instead of the route."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated, IsRoomMember]

    def get_object(self) -> Room:
        assert self.request is not None and self.view is not None
        room = Room.objects.filter(name=self.request.query_params.get("room", "")).first()
        if room is None:
            raise NotFound("No such room.")
        self.view.check_object_permissions(self.request, room)
        return room


class TouchRoomView(GenericAPIView[Any]):
    """A REST view whose GET has a side effect, with its own access rules."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        SIDE_EFFECTS.append(request.user.username)
        return Response({"touched": True})


class TouchViewAuthenticator(DjangoAuthenticator):
    auth_view_class = TouchRoomView


class RealTouchViewAuthenticator(TouchViewAuthenticator):
    override_http_methods = False


class SlowTokenAuthenticator(TokenAuthenticator):
    authentication_classes = [SlowTokenAuthentication]


class VerySlowTokenAuthenticator(TokenAuthenticator):
    authentication_classes = [VerySlowTokenAuthentication]


class SlowRefusingAuthenticator(DjangoAuthenticator):
    authentication_classes = [SlowRefusingAuthentication]
    permission_classes = [IsAuthenticated]


class CrashingAuthenticator(DjangoAuthenticator):
    authentication_classes = [CrashingAuthentication]


class ThrottledView(ChanxAuthView):
    """Open to anyone, once a minute per client address."""

    authentication_classes: list[type[BaseAuthentication]] = []
    permission_classes: list[type[BasePermission]] = []
    throttle_classes = [OncePerMinute]


class ThrottledAuthenticator(DjangoAuthenticator):
    auth_view_class = ThrottledView
