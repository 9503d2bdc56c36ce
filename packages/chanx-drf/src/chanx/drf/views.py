"""The DRF view that decides whether a WebSocket connection may open.

:class:`ChanxAuthView` answers every emulated HTTP method the same way: DRF's
``initial()`` has already authenticated the request and checked permissions and
throttles by the time the method runs; the method then looks up the object (which
checks object permissions) when there is one to find, and answers ``200 OK``.
"""

from __future__ import annotations

from typing import Any

from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

ACCESS_GRANTED: dict[str, str] = {"detail": "OK"}
"""The ``data`` of a successful authentication."""


def grant_access(view: GenericAPIView[Any], *, lookup_object: bool) -> Response:
    """Look up the view's object if asked to (raising 404/403 as DRF does), then answer 200.

    This is what every HTTP method of the auth view does while ``DjangoAuthenticator``
    authenticates with ``override_http_methods`` on: nothing but checks, no side effect.
    """
    if lookup_object:
        view.get_object()
    return Response(dict(ACCESS_GRANTED))


class ChanxAuthView(GenericAPIView[Any]):
    """The default ``auth_view_class`` of :class:`chanx.drf.DjangoAuthenticator`.

    A ``GenericAPIView`` with the project's default authentication and permission
    classes, no queryset, and the same check-only answer for ``get``, ``post``, ``put``,
    ``patch``, ``delete`` and ``options``. The authenticator sets its own configuration
    (``authentication_classes``, ``permission_classes``, ``queryset``, lookups) on each
    instance.
    """

    lookup_object: bool | None = None
    """Whether the methods look up an object; None means "when ``queryset`` is set"."""

    def _answer(self) -> Response:
        lookup = self.lookup_object
        if lookup is None:
            # getattr: the stubs type a class-level Manager as a descriptor.
            lookup = getattr(self, "queryset", None) is not None
        return grant_access(self, lookup_object=lookup)

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Check access as a ``GET`` would."""
        return self._answer()

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Check access as a ``POST`` would."""
        return self._answer()

    def put(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Check access as a ``PUT`` would."""
        return self._answer()

    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Check access as a ``PATCH`` would."""
        return self._answer()

    def delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Check access as a ``DELETE`` would."""
        return self._answer()

    def options(  # type: ignore[override]  # DRF passes its Request, as for get()
        self, request: Request, *args: Any, **kwargs: Any
    ) -> Response:
        """Check access as an ``OPTIONS`` would (instead of DRF's metadata answer)."""
        return self._answer()


__all__ = ["ACCESS_GRANTED", "ChanxAuthView", "grant_access"]
