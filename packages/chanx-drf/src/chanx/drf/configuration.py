"""Checks of a ``DjangoAuthenticator``'s configuration, with messages that say the fix.

A wrong permission class in DRF fails on the first request with an obscure
``TypeError``; for a WebSocket that would be a refused connection and a log line. These
checks run when an authenticator class is defined (and again for attributes set on an
instance), so the mistake is reported at import time, naming the class and the fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Manager, QuerySet
from rest_framework.authentication import BaseAuthentication
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission, OperandHolder, SingleOperandHolder

AUTH_METHODS: Final = ("get", "post", "put", "patch", "delete", "options")
"""The HTTP verbs ``auth_method`` may emulate."""

VIEW_ATTRIBUTES: Final = (
    "authentication_classes",
    "permission_classes",
    "queryset",
    "lookup_field",
    "lookup_url_kwarg",
)
"""Attributes an authenticator passes on to its auth view when it sets them."""


def _describe(value: Any) -> str:
    return value.__qualname__ if isinstance(value, type) else repr(value)


def _check_classes(
    owner: str, name: str, value: Any, base: type, composable: bool, example: str
) -> None:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ImproperlyConfigured(
            f"{owner}.{name} must be a list or tuple of classes, got {_describe(value)}: "
            f"write {name} = [{example}]."
        )
    for index, item in enumerate(value):
        if isinstance(item, type) and issubclass(item, base):
            continue
        if composable and isinstance(item, (OperandHolder, SingleOperandHolder)):
            continue
        kind = f"{base.__module__}.{base.__qualname__}"
        if isinstance(item, base):
            fix = f"pass the class, not an instance: {type(item).__qualname__} instead of {item!r}"
        else:
            fix = f"use a subclass of {kind} (e.g. {example})"
            if composable:
                fix += " or a composition such as IsAuthenticated & IsAdminUser"
        raise ImproperlyConfigured(
            f"{owner}.{name}[{index}] is {_describe(item)}, which is not a {base.__qualname__} "
            f"class: {fix}."
        )


def validate_configuration(owner: str, config: dict[str, Any]) -> None:
    """Raise ``ImproperlyConfigured`` naming ``owner`` if ``config`` cannot work.

    ``config`` maps attribute names of ``DjangoAuthenticator`` to the values set on the
    class or instance being checked; attributes left unset are not in it.
    """
    if "authentication_classes" in config:
        _check_classes(
            owner,
            "authentication_classes",
            config["authentication_classes"],
            BaseAuthentication,
            composable=False,
            example="TokenAuthentication",
        )
    if "permission_classes" in config:
        _check_classes(
            owner,
            "permission_classes",
            config["permission_classes"],
            BasePermission,
            composable=True,
            example="IsAuthenticated",
        )
    queryset = config.get("queryset")
    if queryset is not None and not isinstance(queryset, (QuerySet, Manager)):
        hint = (
            f"use {queryset.__qualname__}.objects"
            if isinstance(queryset, type)
            else "use a QuerySet or Manager (Model.objects), or None when no object is needed"
        )
        raise ImproperlyConfigured(
            f"{owner}.queryset must be a QuerySet, a Manager or None, got "
            f"{_describe(queryset)}: {hint}."
        )
    method = config.get("auth_method", "get")
    if method not in AUTH_METHODS:
        raise ImproperlyConfigured(
            f"{owner}.auth_method is {method!r}; it must be one of {', '.join(AUTH_METHODS)} "
            "(lower case)."
        )
    view_class = config.get("auth_view_class", GenericAPIView)
    if not (isinstance(view_class, type) and issubclass(view_class, GenericAPIView)):
        raise ImproperlyConfigured(
            f"{owner}.auth_view_class is {_describe(view_class)}, not a GenericAPIView "
            "subclass: subclass chanx.drf.ChanxAuthView (or rest_framework.generics."
            "GenericAPIView)."
        )
    for name in ("lookup_field", "lookup_url_kwarg"):
        value = config.get(name, "")
        if value is not None and not isinstance(value, str):
            raise ImproperlyConfigured(
                f"{owner}.{name} must be a string (a URL route keyword), got {value!r}."
            )
    if config.get("lookup_field", "pk") == "":
        raise ImproperlyConfigured(f"{owner}.lookup_field must not be empty; the default is 'pk'.")
    thread_sensitive = config.get("thread_sensitive")
    if thread_sensitive is not None and not isinstance(thread_sensitive, bool):
        raise ImproperlyConfigured(
            f"{owner}.thread_sensitive is {thread_sensitive!r}; it must be None (chosen "
            "automatically), True or False."
        )


__all__ = ["AUTH_METHODS", "VIEW_ATTRIBUTES", "validate_configuration"]
