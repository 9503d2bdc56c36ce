"""Descriptions in generated documents are CommonMark, as AsyncAPI says they are.

Docstrings become descriptions; reStructuredText's ``literal`` (double backticks) is shown
as typed by the AsyncAPI UI, so no description may contain them.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import RequestFactory, override_settings

import chanx.messages.incoming
import chanx.messages.outgoing
from chanx.asyncapi.views import generate_asyncapi_schema
from chanx.messages.base import BaseMessage

DOCUMENTED_TEXT = ("description", "summary")


def _texts(node: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Every description and summary in a JSON-like tree, with where it sits."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in DOCUMENTED_TEXT and isinstance(value, str):
                yield f"{where}/{key}", value
            else:
                yield from _texts(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _texts(value, f"{where}/{index}")


def _built_in_messages() -> list[type[BaseMessage]]:
    return [
        cls
        for module in (chanx.messages.incoming, chanx.messages.outgoing)
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, BaseMessage) and cls is not BaseMessage
    ]


@pytest.mark.parametrize("message", _built_in_messages(), ids=lambda cls: cls.__name__)
def test_built_in_message_schemas_use_commonmark_backticks(message: type[BaseMessage]) -> None:
    texts = list(_texts(message.model_json_schema()))
    assert texts, f"{message.__name__} documents nothing"
    assert [(where, text) for where, text in texts if "``" in text] == []


@pytest.mark.parametrize(
    "application", ["tests.asyncapi.asgi.application", "docs.snippets.asgi.application"]
)
def test_no_generated_description_contains_double_backticks(application: str) -> None:
    # Completion signals on, so their messages are in the document too.
    with override_settings(ASGI_APPLICATION=application, CHANX={"SEND_COMPLETION": True}):
        document = generate_asyncapi_schema(RequestFactory().get("/asyncapi/schema/"))
    texts = dict(_texts(document))
    messages = document["components"]["messages"]
    for built_in in ("PingMessage", "PongMessage", "ErrorMessage", "CompleteMessage"):
        assert any(name.startswith(built_in) for name in messages), (built_in, list(messages))
    assert any("`PongMessage`" in text for text in texts.values())
    assert {where: text for where, text in texts.items() if "``" in text} == {}
