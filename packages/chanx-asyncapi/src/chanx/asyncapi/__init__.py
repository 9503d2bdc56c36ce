"""chanx.asyncapi: AsyncAPI 3.0 documents for chanx WebSocket APIs.

The framework-neutral part needs no Django: :func:`~chanx.asyncapi.generator.generate_document`
turns routes (:class:`~chanx.asyncapi.generator.WebSocketRoute`) into a typed
:class:`~chanx.asyncapi.models.AsyncAPIDocument`, rendered by
:func:`~chanx.asyncapi.rendering.render_document`. With the ``django`` extra,
:mod:`chanx.asyncapi.views` serves the document and its docs page, and the
``generate_asyncapi_schema`` management command writes, validates and checks it.
"""

from chanx.asyncapi.generator import WebSocketRoute, generate_document, server_from_url
from chanx.asyncapi.models import AsyncAPIDocument
from chanx.asyncapi.rendering import render_document

__all__ = [
    "AsyncAPIDocument",
    "WebSocketRoute",
    "generate_document",
    "render_document",
    "server_from_url",
]
