"""``chanx.channels.views``: the documented home of the AsyncAPI views.

The code lives in the chanx-asyncapi distribution (``chanx.asyncapi.views``).
"""

from chanx.channels._optional import import_from_distribution

_views = import_from_distribution("chanx.asyncapi.views", "chanx-asyncapi", __name__)
AsyncAPISchemaView = _views.AsyncAPISchemaView
AsyncAPIDocsView = _views.AsyncAPIDocsView
generate_asyncapi_schema = _views.generate_asyncapi_schema

__all__ = ["AsyncAPIDocsView", "AsyncAPISchemaView", "generate_asyncapi_schema"]
