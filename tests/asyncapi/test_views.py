"""The schema and docs views, driven through Django's test client."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
import yaml
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory, modify_settings, override_settings

import chanx.asyncapi.schema
from chanx.asyncapi import views as asyncapi_views
from chanx.channels import views as documented_views

Validate = Callable[[dict[str, Any]], None]

pytestmark = pytest.mark.usefixtures("asyncapi_urls")


@pytest.fixture
def asyncapi_urls() -> Any:
    with override_settings(
        ROOT_URLCONF="tests.asyncapi.urls", ASGI_APPLICATION="tests.asyncapi.asgi.application"
    ):
        yield


with_asyncapi_app = modify_settings(INSTALLED_APPS={"append": "chanx.asyncapi"})


def test_documented_import_path_serves_the_same_views() -> None:
    assert documented_views.AsyncAPISchemaView is asyncapi_views.AsyncAPISchemaView
    assert documented_views.AsyncAPIDocsView is asyncapi_views.AsyncAPIDocsView
    assert documented_views.generate_asyncapi_schema is asyncapi_views.generate_asyncapi_schema


def test_schema_view_answers_json_by_default(client: Client, assert_valid: Validate) -> None:
    response = client.get("/asyncapi/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == "application/json"
    document = json.loads(response.content)
    assert_valid(document)
    assert document["channels"]["chat_room_ws_chat_room_name"]["address"] == (
        "/ws/chat/{room_name}/"
    )


def test_schema_view_answers_yaml_when_asked(client: Client, assert_valid: Validate) -> None:
    response = client.get("/asyncapi/schema/?format=yaml")
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == "application/yaml"
    document = yaml.safe_load(response.content)
    assert_valid(document)
    assert document == json.loads(client.get("/asyncapi/schema/?format=json").content)


def test_unknown_format_is_a_400_naming_the_valid_ones(client: Client) -> None:
    response = client.get("/asyncapi/schema/?format=xml")
    assert response.status_code == 400
    assert response.content.decode() == (
        "Unknown format 'xml': use ?format=json or ?format=yaml.\n"
    )


def test_schema_view_refuses_writes(client: Client) -> None:
    assert client.post("/asyncapi/schema/").status_code == 405


def test_server_comes_from_the_request_host_and_scheme(client: Client) -> None:
    plain = json.loads(client.get("/asyncapi/schema/", HTTP_HOST="api.example.com:8080").content)
    assert plain["servers"] == {"default": {"host": "api.example.com:8080", "protocol": "ws"}}
    secure = json.loads(
        client.get("/asyncapi/schema/", HTTP_HOST="api.example.com", secure=True).content
    )
    assert secure["servers"] == {"default": {"host": "api.example.com", "protocol": "wss"}}


def test_websocket_base_url_overrides_the_request(client: Client) -> None:
    with override_settings(CHANX={"WEBSOCKET_BASE_URL": "wss://ws.example.com"}):
        document = json.loads(client.get("/asyncapi/schema/").content)
    assert document["servers"]["default"] == {"host": "ws.example.com", "protocol": "wss"}


def test_asyncapi_server_settings_override_everything(client: Client) -> None:
    chanx = {
        "WEBSOCKET_BASE_URL": "wss://ws.example.com",
        "ASYNCAPI_SERVER_URL": "docs.example.com:9000/socket",
        "ASYNCAPI_SERVER_PROTOCOL": "wss",
    }
    with override_settings(CHANX=chanx):
        document = json.loads(client.get("/asyncapi/schema/").content)
    assert document["servers"]["default"] == {
        "host": "docs.example.com:9000",
        "protocol": "wss",
        "pathname": "/socket",
    }


def test_info_comes_from_the_asyncapi_settings(client: Client, assert_valid: Validate) -> None:
    chanx = {
        "ASYNCAPI_TITLE": "Chat API",
        "ASYNCAPI_VERSION": "3.1.4",
        "ASYNCAPI_DESCRIPTION": "Rooms and notes.",
    }
    with override_settings(CHANX=chanx):
        document = json.loads(client.get("/asyncapi/schema/").content)
    assert_valid(document)
    assert document["info"] == {
        "title": "Chat API",
        "version": "3.1.4",
        "description": "Rooms and notes.",
    }


def test_default_info_has_no_empty_description(client: Client) -> None:
    document = json.loads(client.get("/asyncapi/schema/").content)
    assert document["info"] == {"title": "AsyncAPI Documentation", "version": "1.0.0"}


def test_camelize_setting_reaches_the_schemas(client: Client, assert_valid: Validate) -> None:
    with override_settings(CHANX={"CAMELIZE": True, "MESSAGE_ACTION_KEY": "type"}):
        document = json.loads(client.get("/asyncapi/schema/").content)
    assert_valid(document)
    schemas = document["components"]["schemas"]
    assert list(schemas["ChatPayload"]["properties"]) == ["messageText", "author"]
    assert "type" in schemas["SendChat"]["properties"]


def test_document_is_generated_once_and_each_caller_gets_a_copy() -> None:
    request = RequestFactory().get("/asyncapi/schema/")
    real = chanx.asyncapi.schema.generate_document
    with mock.patch.object(chanx.asyncapi.schema, "generate_document", side_effect=real) as gen:
        first = asyncapi_views.generate_asyncapi_schema(request)
        first["info"]["title"] = "changed by the caller"
        second = asyncapi_views.generate_asyncapi_schema(request)
        assert gen.call_count == 1
        with override_settings(CHANX={"ASYNCAPI_TITLE": "Another"}):
            third = asyncapi_views.generate_asyncapi_schema(request)
        assert gen.call_count == 2
    assert second["info"]["title"] == "AsyncAPI Documentation"
    assert third["info"]["title"] == "Another"


def test_changing_asgi_application_changes_the_document() -> None:
    request = RequestFactory().get("/")
    with override_settings(ASGI_APPLICATION="tests.asyncapi.asgi.single_application"):
        single = asyncapi_views.generate_asyncapi_schema(request)
    assert list(single["channels"]) == ["NotesConsumer"]
    assert len(asyncapi_views.generate_asyncapi_schema(request)["channels"]) == 5


def test_schema_view_can_use_a_custom_discovery_class(client: Client) -> None:
    document = json.loads(client.get("/asyncapi/custom-schema/").content)
    assert document["channels"]["QuietConsumer"]["address"] == "/custom/{slot}/"


@with_asyncapi_app
def test_docs_page_embeds_the_schema_and_loads_the_bundled_ui(client: Client) -> None:
    response = client.get("/asyncapi/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    ui = "/static/chanx_asyncapi/react-component/"
    assert f'<link rel="stylesheet" href="{ui}styles/default.min.css">' in html
    assert f'<script src="{ui}browser/standalone/index.js"></script>' in html
    assert '<script src="/static/chanx_asyncapi/docs.js"></script>' in html
    assert "<title>AsyncAPI Documentation</title>" in html
    start = html.index('<script id="asyncapi-schema" type="application/json">')
    data = html[start:].split(">", 1)[1].split("</script>", 1)[0]
    assert json.loads(data) == json.loads(client.get("/asyncapi/schema/").content)
    # No inline script: every <script> either loads a file or is a JSON data block.
    for tag in html.split("<script")[1:]:
        head = tag.split(">", 1)[0]
        assert "src=" in head or 'type="application/json"' in head, head


@with_asyncapi_app
def test_docs_page_escapes_the_embedded_schema(client: Client) -> None:
    with override_settings(CHANX={"ASYNCAPI_DESCRIPTION": "</script><script>alert(1)</script>"}):
        html = client.get("/asyncapi/docs/").content.decode()
    assert "<script>alert(1)" not in html
    assert "\\u003C/script\\u003E" in html


@with_asyncapi_app
def test_docs_page_can_load_the_ui_from_a_cdn(client: Client) -> None:
    html = client.get("/asyncapi/cdn-docs/").content.decode()
    assert 'src="https://cdn.example.com/react-component@3.2.1/browser/standalone/index.js"' in html
    cdn = "https://unpkg.com/@asyncapi/react-component@3.2.1/"
    with override_settings(CHANX_ASYNCAPI_UI_URL=cdn):
        html = client.get("/asyncapi/docs/").content.decode()
    assert f'href="{cdn}styles/default.min.css"' in html


@modify_settings(INSTALLED_APPS={"remove": "chanx.asyncapi"})
def test_docs_page_without_the_app_says_to_install_it(client: Client) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"'chanx.asyncapi' in INSTALLED_APPS"):
        client.get("/asyncapi/docs/")


@with_asyncapi_app
def test_bundled_ui_files_are_found_by_the_staticfiles_finders() -> None:
    from django.contrib.staticfiles import finders

    with modify_settings(INSTALLED_APPS={"append": "django.contrib.staticfiles"}):
        for name in (
            "chanx_asyncapi/docs.js",
            "chanx_asyncapi/react-component/browser/standalone/index.js",
            "chanx_asyncapi/react-component/styles/default.min.css",
            "chanx_asyncapi/react-component/LICENSE",
        ):
            assert finders.find(name), name
