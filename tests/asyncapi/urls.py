"""URLconf of the AsyncAPI view tests."""

from __future__ import annotations

from django.urls import path

from chanx.channels.views import AsyncAPIDocsView, AsyncAPISchemaView

urlpatterns = [
    path("asyncapi/schema/", AsyncAPISchemaView.as_view(), name="asyncapi-schema"),
    path("asyncapi/docs/", AsyncAPIDocsView.as_view(), name="asyncapi-docs"),
    path(
        "asyncapi/cdn-docs/",
        AsyncAPIDocsView.as_view(ui_url="https://cdn.example.com/react-component@3.2.1"),
        name="asyncapi-cdn-docs",
    ),
    path(
        "asyncapi/custom-schema/",
        AsyncAPISchemaView.as_view(
            discovery_class="tests.asyncapi.discovery_classes.QuietOnlyDiscovery"
        ),
        name="asyncapi-custom-schema",
    ),
]
