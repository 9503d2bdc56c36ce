"""``include("chanx.channels.urls")``: upstream chanx's schema and docs routes, by their names."""

from __future__ import annotations

import json
import sys

import pytest
from django.test import Client, override_settings
from django.urls import include, path, reverse

urlpatterns = [path("asyncapi/", include("chanx.channels.urls"))]
"""The URLconf of these tests, as upstream's quick start writes it."""

pytestmark = pytest.mark.usefixtures("included_urls")


@pytest.fixture
def included_urls() -> object:
    with override_settings(ROOT_URLCONF=__name__):
        yield


def test_documented_names_reverse_under_the_include() -> None:
    assert reverse("asyncapi_schema") == "/asyncapi/schema/"
    assert reverse("asyncapi_docs") == "/asyncapi/docs/"


def test_schema_route_answers_the_projects_asyncapi_document(client: Client) -> None:
    response = client.get(reverse("asyncapi_schema"))
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["asyncapi"] == "3.0.0"
    assert any(channel["address"] == "/ws/echo/" for channel in document["channels"].values()), (
        document["channels"]
    )


def test_schema_route_answers_yaml_when_asked(client: Client) -> None:
    response = client.get(reverse("asyncapi_schema"), {"format": "yaml"})
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == "application/yaml"
    assert b"asyncapi: 3.0.0" in response.content


def test_docs_route_answers_the_docs_page_with_the_document(client: Client) -> None:
    response = client.get(reverse("asyncapi_docs"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b'id="asyncapi-schema"' in response.content
    assert b'"/ws/echo/"' in response.content


def test_without_chanx_asyncapi_the_include_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What an environment without the chanx-asyncapi distribution sees on import.
    monkeypatch.setitem(sys.modules, "chanx.asyncapi.views", None)
    monkeypatch.delitem(sys.modules, "chanx.channels.urls", raising=False)
    with pytest.raises(ImportError, match="pip install chanx-asyncapi") as failure:
        include("chanx.channels.urls")
    assert "chanx.channels.urls" in str(failure.value)
