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
        "asyncapi/open-schema/",
        AsyncAPISchemaView.as_view(serve_permissions=[]),
        name="asyncapi-open-schema",
    ),
    path(
        "asyncapi/guarded-docs/",
        AsyncAPIDocsView.as_view(serve_permissions=["tests.asyncapi.permissions.nobody"]),
        name="asyncapi-guarded-docs",
    ),
    path(
        "asyncapi/custom-schema/",
        AsyncAPISchemaView.as_view(
            discovery_class="tests.asyncapi.discovery_classes.QuietOnlyDiscovery"
        ),
        name="asyncapi-custom-schema",
    ),
]
