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
    assert document["channels"]["chatRoom"]["address"] == ("/ws/chat/{room_name}/")


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
    assert list(single["channels"]) == ["notes"]
    assert len(asyncapi_views.generate_asyncapi_schema(request)["channels"]) == 5


def test_schema_view_can_use_a_custom_discovery_class(client: Client) -> None:
    document = json.loads(client.get("/asyncapi/custom-schema/").content)
    assert document["channels"]["quiet"]["address"] == "/custom/{slot}/"


@with_asyncapi_app
def test_docs_page_embeds_the_schema_and_loads_the_bundled_ui(client: Client) -> None:
    response = client.get("/asyncapi/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    # The page's files come from the page's own URL: no static files setup needed.
    ui = "/asyncapi/docs/?asset=react-component%2F"
    assert f'<link rel="stylesheet" href="{ui}styles%2Fdefault.min.css&amp;v=' in html
    assert f'<script src="{ui}browser%2Fstandalone%2Findex.js&amp;v=' in html
    assert '<script src="/asyncapi/docs/?asset=docs.js&amp;v=' in html
    assert "/static/" not in html
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


# Content negotiation: Accept chooses the format when ?format= does not.


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("application/yaml", "application/yaml"),
        ("application/vnd.aai.asyncapi+yaml", "application/vnd.aai.asyncapi+yaml"),
        ("application/vnd.aai.asyncapi+yaml;version=3.0.0", "application/vnd.aai.asyncapi+yaml"),
        ("text/yaml", "text/yaml"),
        ("application/x-yaml", "application/x-yaml"),
        ("text/html, application/yaml;q=0.9, */*;q=0.8", "application/yaml"),
        ("application/json;q=0.5, application/yaml", "application/yaml"),
        ("application/vnd.aai.asyncapi+json", "application/vnd.aai.asyncapi+json"),
        ("application/yaml;q=0.2, application/json", "application/json"),
        ("application/yaml;q=0, */*", "application/json"),
        ("*/*;q=0.8, application/yaml;q=0.8", "application/yaml"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", "application/json"),
        ("", "application/json"),
    ],
)
def test_accept_header_chooses_the_format(client: Client, accept: str, content_type: str) -> None:
    response = client.get("/asyncapi/schema/", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"] == f"{content_type}; charset=utf-8"
    assert "Accept" in response["Vary"]
    expected = json.loads(client.get("/asyncapi/schema/?format=json").content)
    if "yaml" in content_type:
        assert not response.content.lstrip().startswith(b"{")
        assert yaml.safe_load(response.content) == expected
    else:
        assert json.loads(response.content) == expected


def test_format_parameter_beats_the_accept_header(client: Client) -> None:
    response = client.get("/asyncapi/schema/?format=json", HTTP_ACCEPT="application/yaml")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(response.content)["asyncapi"] == "3.0.0"
    bad = client.get("/asyncapi/schema/?format=xml", HTTP_ACCEPT="application/yaml")
    assert bad.status_code == 400


# Serve permissions: public by default, ASYNCAPI_SERVE_PERMISSIONS or the view's own.


@with_asyncapi_app
def test_views_are_public_by_default(client: Client) -> None:
    assert asyncapi_views.AsyncAPISchemaView.serve_permissions is None
    assert client.get("/asyncapi/schema/").status_code == 200
    assert client.get("/asyncapi/docs/").status_code == 200


@with_asyncapi_app
def test_serve_permissions_setting_guards_both_views(client: Client) -> None:
    chanx = {"ASYNCAPI_SERVE_PERMISSIONS": ["tests.asyncapi.permissions.with_docs_header"]}
    with override_settings(CHANX=chanx):
        assert client.get("/asyncapi/schema/").status_code == 403
        assert client.get("/asyncapi/schema/?format=yaml").status_code == 403
        assert client.get("/asyncapi/docs/").status_code == 403
        assert client.get("/asyncapi/schema/", HTTP_X_DOCS="yes").status_code == 200
        assert client.get("/asyncapi/docs/", HTTP_X_DOCS="yes").status_code == 200


def test_every_listed_check_must_allow(client: Client) -> None:
    from tests.asyncapi.permissions import with_docs_header

    # Objects work as well as dotted paths.
    chanx = {"ASYNCAPI_SERVE_PERMISSIONS": [with_docs_header, "tests.asyncapi.permissions.nobody"]}
    with override_settings(CHANX=chanx):
        assert client.get("/asyncapi/schema/", HTTP_X_DOCS="yes").status_code == 403


def test_view_attribute_overrides_the_setting(client: Client) -> None:
    chanx = {"ASYNCAPI_SERVE_PERMISSIONS": ["tests.asyncapi.permissions.nobody"]}
    with override_settings(CHANX=chanx):
        assert client.get("/asyncapi/schema/").status_code == 403
        assert client.get("/asyncapi/open-schema/").status_code == 200
    assert client.get("/asyncapi/guarded-docs/").status_code == 403


@pytest.mark.django_db
def test_drf_permission_classes_work_as_checks(client: Client) -> None:
    from django.contrib.auth.models import User

    chanx = {"ASYNCAPI_SERVE_PERMISSIONS": ["rest_framework.permissions.IsAdminUser"]}
    with override_settings(CHANX=chanx):
        assert client.get("/asyncapi/schema/").status_code == 403
        client.force_login(User.objects.create_user("reader"))
        assert client.get("/asyncapi/schema/").status_code == 403
        client.force_login(User.objects.create_user("admin", is_staff=True))
        response = client.get("/asyncapi/schema/")
    assert response.status_code == 200
    assert json.loads(response.content)["asyncapi"] == "3.0.0"


@with_asyncapi_app
@pytest.mark.parametrize("ui_url", ["static/chanx_asyncapi/react-component/", "cdn.example.com/"])
def test_relative_ui_url_is_refused_with_the_fix(client: Client, ui_url: str) -> None:
    with (
        override_settings(CHANX_ASYNCAPI_UI_URL=ui_url),
        pytest.raises(ImproperlyConfigured, match="a path starting with '/'"),
    ):
        client.get("/asyncapi/docs/")
