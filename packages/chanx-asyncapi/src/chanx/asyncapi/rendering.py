"""Rendering a generated document as JSON or YAML text, the same way everywhere.

The view, the management command and its ``--check`` drift guard all render through
:func:`render_document`, so a file written by the command compares equal, byte for byte,
to what the same routes produce later.
"""

from __future__ import annotations

import json
from typing import Any, Final, Literal

import yaml

DocumentFormat = Literal["json", "yaml"]

FORMATS: Final[tuple[DocumentFormat, ...]] = ("json", "yaml")
"""The formats :func:`render_document` writes."""

CONTENT_TYPES: Final[dict[DocumentFormat, str]] = {
    "json": "application/json",
    "yaml": "application/yaml",
}
"""The media type of each format, as served by the schema view."""


class _Dumper(yaml.SafeDumper):
    """Safe YAML without anchors: a document is read by people, aliases only confuse."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def render_document(document: dict[str, Any], document_format: DocumentFormat) -> str:
    """The document as text: indented JSON or block-style YAML, ending with a newline.

    Keys keep the order the generator gave them (``asyncapi`` first, then ``info``...):
    the generator already sorted whatever has no meaningful order.
    """
    if document_format == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if document_format == "yaml":
        text: str = yaml.dump(
            document,
            Dumper=_Dumper,
            sort_keys=False,
            allow_unicode=True,
            default_flow_style=False,
            width=100,
        )
        return text
    raise ValueError(f"Unknown format {document_format!r}: use one of {', '.join(FORMATS)}")


__all__ = ["CONTENT_TYPES", "FORMATS", "DocumentFormat", "render_document"]
