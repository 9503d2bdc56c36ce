"""Misconfigured authenticators fail early, naming the class and the fix."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from channels.auth import AuthMiddlewareStack
from channels.security.websocket import AllowedHostsOriginValidator
from django.core.exceptions import ImproperlyConfigured
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import IsAdminUser, IsAuthenticated

from chanx.drf import DjangoAuthenticator
from tests.drf import authenticators as auth
from tests.drf.conftest import People
from tests.drf.consumers import ProbeConsumer
from tests.drf.helpers import closed_with, open_ws
from tests.project.models import Room


def define(**attributes: Any) -> type[DjangoAuthenticator]:
    return type("RoomGate", (DjangoAuthenticator,), attributes)


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        (
            {"permission_classes": [object]},
            r"RoomGate.permission_classes\[0\] is object, which is not a BasePermission class: "
            r"use a subclass of rest_framework.permissions.BasePermission",
        ),
        (
            {"permission_classes": [IsAuthenticated()]},
            r"pass the class, not an instance: IsAuthenticated instead of",
        ),
        (
            {"permission_classes": IsAuthenticated},
            r"RoomGate.permission_classes must be a list or tuple of classes, got IsAuthenticated: "
            r"write permission_classes = \[IsAuthenticated\]",
        ),
        (
            {"authentication_classes": [IsAuthenticated]},
            r"RoomGate.authentication_classes\[0\] is IsAuthenticated, which is not a "
            r"BaseAuthentication class",
        ),
        ({"queryset": Room}, r"RoomGate.queryset must be a QuerySet.*use Room.objects"),
        ({"auth_method": "GET"}, r"RoomGate.auth_method is 'GET'; it must be one of get, post"),
        ({"auth_view_class": object}, r"RoomGate.auth_view_class is object, not a GenericAPIView"),
        ({"lookup_url_kwarg": 3}, r"RoomGate.lookup_url_kwarg must be a string"),
        (
            {"thread_sensitive": "yes"},
            r"RoomGate.thread_sensitive is 'yes'; it must be None \(chosen automatically\), "
            r"True or False",
        ),
    ],
)
def test_bad_class_attribute_is_refused_when_the_class_is_defined(
    attributes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        define(**attributes)


def test_composed_permissions_and_querysets_are_accepted() -> None:
    define(
        authentication_classes=(TokenAuthentication,),
        permission_classes=[IsAuthenticated & ~IsAdminUser],
        queryset=Room.objects.none(),
    )


@pytest.mark.django_db(transaction=True)
async def test_bad_instance_attribute_refuses_with_500_and_logs_the_fix(
    caplog: pytest.LogCaptureFixture,
) -> None:
    authenticator = DjangoAuthenticator(send_message=_ignore)
    authenticator.permission_classes = ["IsAuthenticated"]  # type: ignore[list-item]
    with caplog.at_level(logging.ERROR, logger="chanx.drf"):
        admitted = await authenticator.authenticate({"type": "websocket", "path": "/ws/"})
    assert admitted is False
    assert authenticator.status_code == 500
    assert authenticator.data == {"detail": "Internal Server Error"}
    assert "DjangoAuthenticator instance.permission_classes[0] is 'IsAuthenticated'" in str(
        caplog.records[0].exc_info[1]  # type: ignore[index]
    )


@pytest.mark.django_db(transaction=True)
async def test_route_without_the_lookup_keyword_refuses_with_500_naming_the_fix(
    people: People, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="chanx.drf"):
        ws, auth = await open_ws("/ws/misrouted-room/", people.token_header("bob"))
    assert auth["status_code"] == 500
    assert "room_name" not in str(auth)
    assert await closed_with(ws) == 4500
    message = caplog.records[0].getMessage()
    assert message.startswith(
        "RoomConsumer (RoomAuthenticator) looks up its object by the route keyword 'room_name', "
        "but the route of this connection provides no keywords"
    )
    assert "(?P<room_name>" in message and "lookup_url_kwarg" in message
    assert ProbeConsumer.handled == []


async def _ignore(message: object) -> None:
    return None


def test_system_check_reports_routes_missing_the_lookup_keyword() -> None:
    from chanx.drf.checks import route_lookup_errors
    from tests.drf.consumers import router

    errors = route_lookup_errors(AllowedHostsOriginValidator(AuthMiddlewareStack(router)))
    assert [(e.id, e.obj) for e in errors] == [("chanx_drf.E001", auth.RoomAuthenticator)]
    assert errors[0].msg.startswith(
        "Route 'ws/misrouted-room/' serves RoomConsumer, whose RoomAuthenticator looks up its "
        "object by the route keyword 'room_name', which this route does not capture."
    )
    assert "lookup_url_kwarg" in (errors[0].hint or "")


def test_route_keyword_follows_the_lookup_configuration() -> None:
    assert auth.RoomAuthenticator.route_keyword() == "room_name"
    assert auth.MyRoomsAuthenticator.route_keyword() == "room_name"
    assert auth.TokenAuthenticator.route_keyword() is None
    assert auth.QueryRoomAuthenticator.route_keyword() is None
    assert define(queryset=Room.objects).route_keyword() == "pk"
