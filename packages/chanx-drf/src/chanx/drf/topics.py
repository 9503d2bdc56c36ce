"""DRF permissions on topic subscriptions: the rules of a REST API, checked on ``subscribe``.

::

    class RoomStream(DRFPermissions, ModelTopic):
        pattern = "room:{pk}"
        model = Room
        payload = RoomOut
        permission_classes = [IsAuthenticated, IsRoomMember]

A ``subscribe`` to ``room:5`` is checked as a ``GET`` of room 5 would be by a DRF view
with these classes: ``has_permission`` of each permission class, then the object looked
up (``Room`` with pk 5; missing is refused) and ``has_object_permission`` of each. It is
the machinery of :class:`~chanx.drf.authenticator.DjangoAuthenticator`, run per
subscription on the connection's handshake request (:mod:`chanx.drf.request`) with the
topic's parameters as the route's keywords, off the event loop (:mod:`chanx.drf.threads`).

The user is the connection's (``scope["user"]``, set by the consumer's authenticator or
by Channels' ``AuthMiddlewareStack``): :class:`ConnectionAuthentication` reads it, so
credentials are not checked again on every subscribe. Set ``authentication_classes`` to
authenticate the handshake's credentials again instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from django.db.models import Manager, QuerySet
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from chanx.core.topics import Topic
from chanx.drf.authenticator import AuthMethod, DjangoAuthenticator
from chanx.messages.outgoing import AuthenticationPayload

if TYPE_CHECKING:
    from rest_framework.permissions import _PermissionClass

_SETTINGS = (
    "authentication_classes",
    "permission_classes",
    "queryset",
    "lookup_field",
    "lookup_url_kwarg",
    "auth_method",
    "auth_view_class",
    "thread_sensitive",
)


class ConnectionAuthentication(BaseAuthentication):
    """Authenticates a request as the WebSocket connection's user (``scope["user"]``).

    The connection was authenticated once, at the handshake; a subscription is checked
    for the user it found. An anonymous connection is unauthenticated (``request.user``
    is ``AnonymousUser``, ``IsAuthenticated`` refuses).
    """

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        """The user ``build_http_request`` copied from the scope, if authenticated."""
        user = getattr(request._request, "user", None)
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        return user, None

    def authenticate_header(self, request: Request) -> str:
        """A scheme name, so DRF answers 401 (not 403) to an anonymous connection."""
        return "Connection"


class TopicPermissionCheck(DjangoAuthenticator):
    """The DRF check of one subscription: a :class:`DjangoAuthenticator` on the topic's params.

    :class:`DRFPermissions` makes one subclass per topic class from the topic's
    attributes; use it directly to check a topic by hand::

        check = RoomStream.permission_check(consumer.send_message)
        allowed = await check.check_topic(scope, {"pk": 5})
        check.outcome  # AuthenticationPayload: 200, 401, 403 or 404 with DRF's detail
    """

    authentication_classes: ClassVar[Sequence[type[BaseAuthentication]]] = [  # type: ignore[misc]
        ConnectionAuthentication
    ]
    queryset = None

    async def check_topic(self, scope: dict[str, Any], params: dict[str, Any]) -> bool:
        """Whether the connection of ``scope`` may subscribe to the instance with ``params``."""
        route = {"args": (), "kwargs": dict(params)}
        return await self.authenticate({**scope, "url_route": route})


class DRFPermissions(Topic):
    """Check subscriptions of a topic with DRF permission classes (put it first in the bases).

    Attributes, as on a DRF view (and on :class:`DjangoAuthenticator`):

    * ``permission_classes``: checked with the connection's user on every subscribe.
    * ``queryset``: where the subscription's object is looked up by ``lookup_field``
      (``"pk"``) = the topic parameter ``lookup_url_kwarg`` (default: same name), with
      object permissions checked; a missing object refuses the subscription. On a
      ``ModelTopic`` whose pattern has that parameter it defaults to the model's
      objects; otherwise to None (no object: ``has_permission`` only).
    * ``authentication_classes`` (default: :class:`ConnectionAuthentication`).
    * ``auth_method`` (``"get"``): the HTTP method the check emulates.

    ``authorize`` runs the check. A topic that needs its own ``authorize`` (typed
    parameters, extra rules) calls :meth:`check_permissions` from it::

        async def authorize(self, pk: int) -> bool:
            return await self.check_permissions(pk=pk) and pk != 13

    After a check, ``self.obj`` is the object looked up (None without one) and
    ``self.permission_outcome`` DRF's answer (status code and detail), for logging;
    the client only learns ``unauthorized``.
    """

    permission_classes: ClassVar[Sequence[_PermissionClass]] = ()
    authentication_classes: ClassVar[Sequence[type[BaseAuthentication]]] = (
        ConnectionAuthentication,
    )
    queryset: ClassVar[QuerySet[Any] | Manager[Any] | None] = None
    lookup_field: ClassVar[str] = "pk"
    lookup_url_kwarg: ClassVar[str | None] = None
    auth_method: ClassVar[AuthMethod] = "get"

    permission_check: ClassVar[type[TopicPermissionCheck]]
    """The :class:`TopicPermissionCheck` made from this class's attributes."""

    obj: Any = None
    permission_outcome: AuthenticationPayload | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        settings = {name: getattr(cls, name) for name in _SETTINGS if hasattr(cls, name)}
        settings["permission_classes"] = list(cls.permission_classes)
        settings["authentication_classes"] = list(cls.authentication_classes)
        if settings.get("queryset") is None:
            settings["queryset"] = _model_queryset(cls)
        # Named as the topic, so configuration errors name the class the user wrote.
        cls.permission_check = type(
            cls.__name__,
            (TopicPermissionCheck,),
            {**settings, "__module__": cls.__module__, "__qualname__": cls.__qualname__},
        )

    async def authorize(self, **params: Any) -> bool:
        """Subscribe if DRF's checks pass (see :meth:`check_permissions`)."""
        return await self.check_permissions(**params)

    async def check_permissions(self, **params: Any) -> bool:
        """Run the DRF checks for this connection and ``params``; never raises.

        ``params`` are the topic's parameters as the object lookup should see them.
        """
        check = type(self).permission_check(self.consumer.send_message)
        allowed = await check.check_topic(self.scope, params)
        self.obj = check.obj if allowed else None
        self.permission_outcome = check.outcome
        return allowed


def _model_queryset(cls: type[DRFPermissions]) -> QuerySet[Any] | None:
    """A ModelTopic's objects, when its pattern names the lookup parameter."""
    model = getattr(cls, "model", None)
    pattern = getattr(cls, "__chanx_pattern__", None)
    if model is None or pattern is None:
        return None
    if (cls.lookup_url_kwarg or cls.lookup_field) not in pattern.parameters:
        return None
    queryset: QuerySet[Any] = model._default_manager.all()
    return queryset


__all__ = ["ConnectionAuthentication", "DRFPermissions", "TopicPermissionCheck"]
