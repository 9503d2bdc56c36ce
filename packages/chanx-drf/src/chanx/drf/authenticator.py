"""``DjangoAuthenticator``: WebSocket authentication by Django REST framework's own machinery.

The handshake of a connection is turned into an HTTP request (:mod:`chanx.drf.request`)
and dispatched to a DRF view with the emulated method, exactly as a REST call would be:
``initial()`` runs authentication, permissions and throttles, the object is looked up
(object permissions included), and DRF's exception handler shapes the error. The outcome
becomes the authenticator's ``outcome``, which the consumer sends as the
``authentication`` message; nothing but DRF's own error detail reaches the client.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from http.client import responses
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from django.db.models import Manager, QuerySet
from django.http import HttpResponseBase
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.utils.encoders import JSONEncoder

from chanx.channels.authentication import BaseAuthenticator, is_success
from chanx.drf.configuration import VIEW_ATTRIBUTES, validate_configuration
from chanx.drf.request import build_http_request
from chanx.drf.security import security_schemes
from chanx.drf.threads import run_sync
from chanx.drf.views import ChanxAuthView, grant_access
from chanx.messages.outgoing import AuthenticationPayload

if TYPE_CHECKING:
    # Only the stubs define it: a permission class or a composition (IsA & IsB).
    from rest_framework.permissions import _PermissionClass

logger = logging.getLogger("chanx.drf")

AuthMethod = Literal["get", "post", "put", "patch", "delete", "options"]

_CONFIG_NAMES = frozenset((*VIEW_ATTRIBUTES, "auth_method", "auth_view_class", "thread_sensitive"))


def internal_error() -> AuthenticationPayload:
    """The outcome of an authentication that failed unexpectedly: generic, nothing leaks."""
    return AuthenticationPayload(
        status_code=500,
        status_text="Internal Server Error",
        data={"detail": "Internal Server Error"},
    )


def _plain(data: Any) -> Any:
    # DRF's error details are lazy strings and ErrorDetail objects; the client gets JSON.
    return json.loads(json.dumps(data, cls=JSONEncoder)) if data is not None else None


def _declared(source: object) -> dict[str, Any]:
    return {name: getattr(source, name) for name in _CONFIG_NAMES if hasattr(source, name)}


class DjangoAuthenticator(BaseAuthenticator):
    """Authenticate and authorize WebSocket connections with DRF authentication and permissions.

    Set it as a consumer's ``authenticator_class``; configure it like a DRF view::

        class RoomAuthenticator(DjangoAuthenticator):
            authentication_classes = [TokenAuthentication]
            permission_classes = [IsAuthenticated, IsRoomMember]
            queryset = Room.objects.all()
            lookup_url_kwarg = "room_id"        # from re_path(r"ws/rooms/(?P<room_id>\\d+)/$")

        class RoomConsumer(AsyncJsonWebsocketConsumer):
            authenticator_class = RoomAuthenticator

    Attributes set on the class or on an instance override the ``auth_view_class``
    defaults (which are the project's ``REST_FRAMEWORK`` defaults for
    :class:`~chanx.drf.views.ChanxAuthView`):

    * ``authentication_classes``, ``permission_classes``: as on a DRF view.
    * ``queryset``: QuerySet or Manager the connection's object is looked up in, or None
      when the connection is not about an object.
    * ``lookup_field`` (``"pk"``) and ``lookup_url_kwarg`` (None: same as ``lookup_field``):
      the lookup, with the value taken from the route (``scope["url_route"]["kwargs"]``).
    * ``auth_method`` (``"get"``): the HTTP verb emulated, so method-sensitive permissions
      (``IsAuthenticatedOrReadOnly``, ``has_object_permission`` checking
      ``request.method``) decide as they would for that REST call.
    * ``auth_view_class`` (:class:`~chanx.drf.views.ChanxAuthView`): the view dispatched.
      Reusing a project's REST view keeps WebSocket and REST access rules in one place.
    * ``override_http_methods`` (True): the view's ``get``/``post``/... are replaced
      during authentication by a check-only answer, so a real view's handler (which might
      create or delete something) never runs. False runs the real method: its response
      decides the outcome.
    * ``thread_sensitive`` (None): where the DRF work runs. None chooses: a worker
      thread of its own, except inside a test's transaction (see :meth:`authenticate`).
      False always uses a thread of its own, True always Channels' shared
      thread-sensitive thread.

    Override :meth:`get_queryset` or :meth:`get_object` for lookups that depend on the
    request (``self.request.user``).

    :meth:`authenticate` returns True (admitted) or False (refused) and keeps the
    outcome: ``outcome`` is the ``AuthenticationPayload`` the consumer sends (also read
    as ``status_code``, ``status_text`` and ``data``), ``user`` the authenticated user
    and ``obj`` the object looked up (None when there is none)::

        authenticator = RoomAuthenticator(send_message)
        if await authenticator.authenticate(scope):
            room = authenticator.obj
        else:
            print(authenticator.status_code, authenticator.data)  # 403 {"detail": ...}

    Outcomes follow DRF: 200 OK, 401 missing or invalid credentials, 403 permission
    denied (object permissions included), 404 no such object, 429 throttled; any other
    failure is a 500 with a generic message, its traceback only in the log.

    With ``SessionAuthentication``, DRF enforces CSRF for unsafe methods: keep
    ``auth_method = "get"`` for browser clients, which cannot add an ``X-CSRFToken``
    header to a WebSocket handshake. Cross-site WebSocket hijacking is stopped by
    checking ``Origin`` (Channels' ``AllowedHostsOriginValidator``), not by CSRF tokens.
    """

    authentication_classes: Sequence[type[BaseAuthentication]]
    permission_classes: Sequence[_PermissionClass]
    queryset: QuerySet[Any] | Manager[Any] | None
    lookup_field: str
    lookup_url_kwarg: str | None
    auth_method: AuthMethod = "get"
    auth_view_class: type[GenericAPIView[Any]] = ChanxAuthView
    override_http_methods: bool = True
    thread_sensitive: bool | None = None

    view: GenericAPIView[Any] | None = None
    """The auth view instance handling this connection's authentication."""

    _overrides_lookup: ClassVar[bool] = False

    @property
    def request(self) -> Request | None:
        """The DRF request of the handshake, from the moment the auth view created it.

        Available in :meth:`get_queryset` and :meth:`get_object` (``self.request.user``)
        and after :meth:`authenticate`.
        """
        request = getattr(self.view, "request", None)
        return request if isinstance(request, Request) else None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        validate_configuration(cls.__qualname__, _declared(cls))
        cls._overrides_lookup = (
            cls.get_queryset is not DjangoAuthenticator.get_queryset
            or cls.get_object is not DjangoAuthenticator.get_object
        )

    @classmethod
    def route_keyword(cls) -> str | None:
        """The route keyword the object lookup reads, or None when no route keyword is read.

        None when the class configures no lookup (no ``queryset`` here or on the view
        class, no ``get_queryset`` override), or finds the object itself (``get_object``
        overridden), or leaves the decision to a real view method
        (``override_http_methods = False``). Used by the ``chanx_drf.E001`` system check.
        """
        view_class = cls.auth_view_class
        if not cls.override_http_methods or (
            cls.get_object is not DjangoAuthenticator.get_object
            or view_class.get_object is not GenericAPIView.get_object
        ):
            return None
        if "queryset" in _declared(cls):
            configured = _declared(cls)["queryset"] is not None
        else:
            configured = getattr(view_class, "queryset", None) is not None or (
                view_class.get_queryset is not GenericAPIView.get_queryset
            )
        if not (configured or cls.get_queryset is not DjangoAuthenticator.get_queryset):
            return None
        lookup_url_kwarg = getattr(cls, "lookup_url_kwarg", view_class.lookup_url_kwarg)
        lookup_field: str = getattr(cls, "lookup_field", view_class.lookup_field)
        return lookup_url_kwarg or lookup_field

    @classmethod
    def asyncapi_security(cls) -> dict[str, dict[str, Any]]:
        """How clients authenticate, as AsyncAPI security schemes (read by chanx-asyncapi).

        One scheme per authentication class (this class's, else the view class's):
        ``cookieAuth`` for ``SessionAuthentication``, ``tokenAuth`` for
        ``TokenAuthentication``, ``basicAuth`` for ``BasicAuthentication``, a generic
        scheme for others (see :mod:`chanx.drf.security`). Override it to describe a
        custom authentication class precisely.
        """
        classes = getattr(cls, "authentication_classes", cls.auth_view_class.authentication_classes)
        return security_schemes(classes)

    async def authenticate(self, scope: dict[str, Any]) -> bool:
        """Run the auth view for this handshake, off the event loop; never raises.

        Returns True when the connection is admitted (a 2xx outcome), False when it is
        refused; the outcome is kept in ``outcome`` (``status_code``, ``status_text``,
        ``data``), with ``user`` and ``obj``. An unexpected error is a 500 outcome, its
        traceback logged to ``chanx.drf``.

        DRF and the ORM are synchronous, so the work runs in a worker thread of its own
        (``database_sync_to_async``, which also closes stale database connections). It
        is not thread-sensitive: Channels runs every thread-sensitive call of every
        connection on one shared thread, so one slow authentication would queue all the
        others behind it.

        One exception, for tests. While Django's test environment is set up and the test
        keeps its rows in a transaction it rolls back afterwards (Django's ``TestCase``,
        pytest-django's ``django_db`` without ``transaction=True``), the work runs on the
        thread-sensitive thread, on the connection that holds that transaction, so it sees
        the rows the test created; see :mod:`chanx.drf.threads`. Tests whose rows are
        committed (``TransactionTestCase``, ``django_db(transaction=True)``) and production
        keep a thread per authentication. Set ``thread_sensitive`` to True or False to
        choose the thread yourself.
        """
        try:
            return await run_sync(
                self.authenticate_sync, scope, thread_sensitive=self.thread_sensitive
            )
        except Exception:
            logger.exception("%s: authentication raised; refusing with 500", self._owner())
            self.user = self.obj = None
            self.outcome = internal_error()
            return False

    def authenticate_sync(self, scope: dict[str, Any]) -> bool:
        """The synchronous work of :meth:`authenticate`; raises on unexpected errors."""
        if not self.__dict__.keys().isdisjoint(_CONFIG_NAMES):
            validate_configuration(f"{type(self).__qualname__} instance", _declared(self))
        route = scope.get("url_route") or {}
        args = tuple(route.get("args", ()))
        kwargs = dict(route.get("kwargs", {}))
        view = self.auth_view_class(
            **{name: getattr(self, name) for name in VIEW_ATTRIBUTES if hasattr(self, name)}
        )
        self.view = view
        lookup = self._looks_up_object(view)
        if self.override_http_methods:
            setattr(
                view, self.auth_method, lambda *a, **k: grant_access(view, lookup_object=lookup)
            )
            if lookup and not self._custom_get_object(view):
                missing = self._missing_route_kwarg(view, kwargs)
                if missing:
                    logger.error(missing)
                    self.outcome = internal_error()
                    return False
        setattr(view, "get_queryset", self.get_queryset)  # noqa: B010 - instance override
        setattr(view, "get_object", self._get_object_and_remember)  # noqa: B010
        failures: list[Exception] = []
        handle_exception = view.handle_exception

        def record_and_handle(exc: Exception) -> Any:
            failures.append(exc)
            return handle_exception(exc)

        setattr(view, "handle_exception", record_and_handle)  # noqa: B010
        http_request = build_http_request(scope, self.auth_method)
        view.setup(http_request, *args, **kwargs)
        response = view.dispatch(http_request, *args, **kwargs)
        self.outcome = self._outcome(response, failures)
        return is_success(self.outcome)

    def get_queryset(self) -> QuerySet[Any]:
        """The queryset the connection's object is looked up in.

        Defaults to the auth view's ``get_queryset()`` (``queryset.all()``). Override to
        narrow it per request, e.g. ``Room.objects.filter(members=self.request.user)``
        (then a room the user is not in is a 404, as in a REST API).
        """
        view = self._current_view()
        return type(view).get_queryset(view)

    def get_object(self) -> Any:
        """The object the connection is about, with object permissions checked.

        Defaults to the auth view's ``get_object()``: filter :meth:`get_queryset` by
        ``lookup_field`` = the route's ``lookup_url_kwarg``, 404 when missing, then
        ``check_object_permissions``. An override that finds the object another way
        should call ``self.view.check_object_permissions(self.request, obj)`` itself.
        """
        view = self._current_view()
        return type(view).get_object(view)

    def _get_object_and_remember(self) -> Any:
        self.obj = self.get_object()
        return self.obj

    def _current_view(self) -> GenericAPIView[Any]:
        if self.view is None:
            raise RuntimeError(
                f"{type(self).__qualname__}.get_queryset()/get_object() are called by the auth "
                "view during authenticate(); there is no view outside it."
            )
        return self.view

    def _looks_up_object(self, view: GenericAPIView[Any]) -> bool:
        if self._overrides_lookup:
            return True
        # getattr: the stubs type a class-level Manager as a descriptor.
        if hasattr(self, "queryset"):
            return getattr(self, "queryset") is not None  # noqa: B009
        view_class = type(view)
        return getattr(view, "queryset", None) is not None or (
            view_class.get_queryset is not GenericAPIView.get_queryset
            or view_class.get_object is not GenericAPIView.get_object
        )

    def _custom_get_object(self, view: GenericAPIView[Any]) -> bool:
        return (
            type(self).get_object is not DjangoAuthenticator.get_object
            or type(view).get_object is not GenericAPIView.get_object
        )

    def _missing_route_kwarg(self, view: GenericAPIView[Any], kwargs: dict[str, Any]) -> str:
        name = view.lookup_url_kwarg or view.lookup_field
        if name in kwargs:
            return ""
        return (
            f"{self._owner()} looks up its object by the route keyword {name!r}, but the route "
            f"of this connection provides {sorted(kwargs) or 'no keywords'}: capture it in the "
            f"route (re_path(r'...(?P<{name}>[^/]+)/$') or path('.../<{name}>/')), or set "
            "lookup_url_kwarg to a keyword the route has, or queryset = None if the connection "
            "is not about one object. Refusing the connection with 500."
        )

    def _owner(self) -> str:
        consumer = getattr(self.send_message, "__self__", None)
        name = type(self).__qualname__
        return f"{type(consumer).__qualname__} ({name})" if consumer is not None else name

    def _outcome(
        self, response: HttpResponseBase, failures: list[Exception]
    ) -> AuthenticationPayload:
        status_code = response.status_code
        # DRF answers 403 to unauthenticated requests when the first authentication class
        # has no WWW-Authenticate scheme (SessionAuthentication). A WebSocket has no such
        # header to lose, and 4401 tells the client to log in where 4403 would not.
        if (
            status_code == 403
            and failures
            and isinstance(failures[-1], (NotAuthenticated, AuthenticationFailed))
        ):
            status_code = 401
        success = 200 <= status_code < 300
        request = self.request
        if success and request is not None:
            self.user = request.user
        else:
            # Not request.user: on a failed authentication that would authenticate again.
            self.user = getattr(request, "_user", None)
            self.obj = None
        return AuthenticationPayload(
            status_code=status_code,
            status_text=responses.get(status_code, ""),
            data=_plain(getattr(response, "data", None)),
        )


__all__ = ["AuthMethod", "DjangoAuthenticator", "internal_error"]
