"""Checking a generated document against the official AsyncAPI 3.0.0 JSON Schema.

The schema ships in this package (``spec/asyncapi-3.0.0.json``, Apache-2.0, with its
LICENSE and NOTICE) so ``generate_asyncapi_schema --validate`` works offline. Validation
needs the ``jsonschema`` package, which is imported only when asked for: generating and
serving documents does not need it.
"""

from __future__ import annotations

import functools
import importlib
import json
from importlib import resources
from typing import Any

SPEC_RESOURCE = "spec/asyncapi-3.0.0.json"
"""Where the bundled specification lives inside the ``chanx.asyncapi`` package."""


def load_specification() -> dict[str, Any]:
    """The bundled AsyncAPI 3.0.0 JSON Schema."""
    text = resources.files("chanx.asyncapi").joinpath(SPEC_RESOURCE).read_text(encoding="utf-8")
    spec: dict[str, Any] = json.loads(text)
    return spec


@functools.cache
def _validator() -> Any:
    try:
        jsonschema = importlib.import_module("jsonschema")
    except ModuleNotFoundError as exc:
        raise ImportError(
            "Validating an AsyncAPI document needs the jsonschema package: pip install jsonschema"
        ) from exc
    spec = load_specification()
    validator_class = jsonschema.validators.validator_for(spec)
    return validator_class(spec)


def validation_errors(document: dict[str, Any]) -> list[str]:
    """Every way ``document`` breaks the specification, one line each; empty when valid.

    Each line names the JSON path of the offending part, e.g.
    ``$.channels.chat.address: 42 is not of type 'string', 'null'``.
    """
    errors = sorted(_validator().iter_errors(document), key=lambda e: (e.json_path, e.message))
    return [f"{error.json_path}: {error.message}" for error in errors]


__all__ = ["SPEC_RESOURCE", "load_specification", "validation_errors"]
