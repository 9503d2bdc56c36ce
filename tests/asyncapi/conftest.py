"""Fixtures of the AsyncAPI tests: the official specification and a validating helper."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from chanx.asyncapi.schema import clear_cache

SPEC_PATH = Path(__file__).with_name("asyncapi-3.0.0.json")


@pytest.fixture(scope="session")
def asyncapi_validator() -> Any:
    """A JSON Schema validator for the official AsyncAPI 3.0.0 schema (copied into tests/)."""
    spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(spec)
    validator_class.check_schema(spec)
    return validator_class(spec)


@pytest.fixture
def assert_valid(asyncapi_validator: Any) -> Callable[[dict[str, Any]], None]:
    """Assert a document validates, listing every violation when it does not."""

    def check(document: dict[str, Any]) -> None:
        errors = [f"{e.json_path}: {e.message}" for e in asyncapi_validator.iter_errors(document)]
        assert not errors, "\n".join(errors)

    return check


@pytest.fixture(autouse=True)
def _fresh_document_cache() -> Iterator[None]:
    # Tests change consumers' settings around the cache; start each one from nothing.
    clear_cache()
    yield
    clear_cache()
