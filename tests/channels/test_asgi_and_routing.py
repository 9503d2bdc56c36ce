"""ASGI helpers: finding the websocket application, including routers by module path."""

from __future__ import annotations

import pytest
from channels.routing import URLRouter
from django.test import override_settings

from chanx.channels.routing import include
from chanx.channels.utils.asgi import get_websocket_application
from tests.project import asgi, routing


def test_websocket_application_keeps_its_middleware() -> None:
    app = get_websocket_application()
    assert app is asgi.application.application_mapping["websocket"]
    assert type(app).__name__ == "OriginValidator"


def test_no_asgi_application_gives_none() -> None:
    with override_settings(ASGI_APPLICATION=None):
        assert get_websocket_application() is None


def test_include_resolves_a_module_router() -> None:
    assert include("tests.project.routing") is routing.router
    assert isinstance(include(routing.router), URLRouter)
    with pytest.raises(ImportError, match="to define `router = URLRouter"):
        include("tests.project.settings")
