"""Route discovery: walking ASGI_APPLICATION through middleware and nested routers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import override_settings

from chanx.asyncapi.discovery import ChannelsRouteDiscovery, _regex_segment, load_discovery
from chanx.asyncapi.generator import WebSocketRoute
from tests.asyncapi import consumers
from tests.asyncapi.discovery_classes import QuietOnlyDiscovery

FULL_APP = "tests.asyncapi.asgi.application"


def addresses(routes: list[WebSocketRoute]) -> list[tuple[str, str]]:
    return [(route.address, route.consumer.__name__) for route in routes]


@override_settings(ASGI_APPLICATION=FULL_APP)
def test_walks_origin_validator_auth_stack_and_nested_routers() -> None:
    routes = ChannelsRouteDiscovery().discover()
    assert addresses(routes) == [
        ("/ws/chat/{room_name}/", "ChatConsumer"),
        ("/ws/notes/{user_id}/{topic}/", "NotesConsumer"),
        ("/ws/shop/orders/{order_id}/", "ShopConsumer"),
        ("/ws/quiet/", "QuietConsumer"),
        ("/legacy/chat/{room_name}.json", "ChatConsumer"),
    ]


@override_settings(ASGI_APPLICATION="tests.asyncapi.asgi.bare_application")
def test_application_without_middleware_gives_the_same_routes() -> None:
    with override_settings(ASGI_APPLICATION=FULL_APP):
        wrapped = ChannelsRouteDiscovery().discover()
    assert ChannelsRouteDiscovery().discover() == wrapped


@override_settings(ASGI_APPLICATION=FULL_APP)
def test_path_converters_and_re_path_groups_become_described_parameters() -> None:
    routes = {route.address: route for route in ChannelsRouteDiscovery().discover()}
    notes = routes["/ws/notes/{user_id}/{topic}/"]
    assert notes.parameters == {
        "user_id": "URL path parameter `user_id` (converter `int`).",
        "topic": "URL path parameter `topic` (converter `slug`).",
    }
    shop = routes["/ws/shop/orders/{order_id}/"]
    assert shop.parameters == {"order_id": r"URL path parameter `order_id`, matching `\d+`."}
    legacy = routes["/legacy/chat/{room_name}.json"]
    assert legacy.parameters == {
        "room_name": r"URL path parameter `room_name`, matching `[a-z0-9_\-]+`."
    }


def test_an_application_object_can_be_walked_directly() -> None:
    from tests.asyncapi.routing import shop_router

    routes = ChannelsRouteDiscovery(shop_router).discover()
    assert addresses(routes) == [("/orders/{order_id}/", "ShopConsumer")]


@pytest.mark.parametrize(
    ("regex", "address", "names"),
    [
        (r"^rooms/(?P<room>\w+)/$", "/rooms/{room}/", ["room"]),
        (r"^a/(\d+)/(\d+)/$", "/a/{arg1}/{arg2}/", ["arg1", "arg2"]),
        (r"^files/(?P<name>[^/()]+)\.txt\Z", "/files/{name}.txt", ["name"]),
        (r"^v(?P<version>(1|2))/(?:beta/)?$", "/v{version}/(?:beta/)?", ["version"]),
    ],
)
def test_regex_routes_become_addresses(regex: str, address: str, names: list[str]) -> None:
    segment, params = _regex_segment(regex)
    assert "/" + segment == address
    assert list(params) == names


def test_non_chanx_consumers_are_left_out() -> None:
    with override_settings(ASGI_APPLICATION=FULL_APP):
        routes = ChannelsRouteDiscovery().discover()
    assert consumers.PlainChannelsConsumer not in {route.consumer for route in routes}


@override_settings(ASGI_APPLICATION="tests.asyncapi.asgi.http_only_application")
def test_project_without_websockets_has_no_routes() -> None:
    assert ChannelsRouteDiscovery().discover() == []


def test_custom_discovery_class_is_loaded_by_dotted_path() -> None:
    discovery = load_discovery("tests.asyncapi.discovery_classes.QuietOnlyDiscovery")
    assert isinstance(discovery, QuietOnlyDiscovery)
    assert isinstance(load_discovery(None), ChannelsRouteDiscovery)


def test_bad_discovery_class_paths_name_the_fix() -> None:
    with pytest.raises(ImportError, match="Cannot import the route discovery class"):
        load_discovery("tests.asyncapi.nowhere.Discovery")
    with pytest.raises(TypeError, match=r"has no discover\(\) method"):
        load_discovery("tests.asyncapi.discovery_classes.NotADiscovery")


@pytest.mark.parametrize(
    "application",
    [
        "tests.project.asgi.application",
        FULL_APP,
        "tests.asyncapi.asgi.bare_application",
        "tests.asyncapi.asgi.single_application",
        "tests.asyncapi.asgi.http_only_application",
    ],
)
def test_every_project_shape_gives_a_valid_document(
    application: str, assert_valid: Callable[[dict[str, Any]], None]
) -> None:
    from django.test import RequestFactory

    from chanx.asyncapi.views import generate_asyncapi_schema

    with override_settings(ASGI_APPLICATION=application):
        for chanx in ({}, {"CAMELIZE": True, "MESSAGE_ACTION_KEY": "kind"}):
            with override_settings(CHANX=chanx):
                assert_valid(generate_asyncapi_schema(RequestFactory().get("/")))
