"""The URLconf serving the AsyncAPI document and its docs page."""

# --8<-- [start:urls]
from django.urls import path

from chanx.channels.views import AsyncAPIDocsView, AsyncAPISchemaView

urlpatterns = [
    path("asyncapi/schema/", AsyncAPISchemaView.as_view(), name="asyncapi-schema"),
    path("asyncapi/docs/", AsyncAPIDocsView.as_view(), name="asyncapi-docs"),
    # The same page, loading the UI from a CDN instead of from the page's own URL.
    path(
        "asyncapi/docs-cdn/",
        AsyncAPIDocsView.as_view(ui_url="https://unpkg.com/@asyncapi/react-component@3.2.1/"),
    ),
]
# --8<-- [end:urls]
