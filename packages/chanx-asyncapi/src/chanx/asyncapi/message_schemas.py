"""JSON Schemas of chanx messages, as AsyncAPI ``components/schemas`` holds them.

Pydantic produces the schemas (JSON Schema 2020-12); this module hoists them into one
flat map with ``$ref``s pointing at ``#/components/schemas/...`` and adapts them to what
clients see on the wire and to the AsyncAPI schema object: camelCase keys with
``CAMELIZE``, the renamed action key with ``MESSAGE_ACTION_KEY``, and ``discriminator`` as
a property name.

Two more changes serve code generators such as Modelina. Every schema's ``title`` is its
component key: Pydantic titles a model by its class name, so two models named alike
(``Item`` in two modules) would get one title, and a generator naming types by title
would merge them. And every message schema lists the action key in ``required``: the
action always crosses the wire (frames are routed by it), although the message class
gives it a default, so a generated type must not make it optional.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Final

from pydantic.json_schema import JsonSchemaMode, models_json_schema

from chanx.core.wire import DEFAULT_ACTION_KEY
from chanx.messages.base import BaseMessage

SCHEMA_REF: Final = "#/components/schemas/{model}"
"""Where every generated ``$ref`` points."""


def message_schemas(
    received: Iterable[type[BaseMessage]],
    sent: Iterable[type[BaseMessage]],
    *,
    camelize: bool = False,
    action_key: str = DEFAULT_ACTION_KEY,
) -> tuple[dict[str, dict[str, Any]], dict[type[BaseMessage], str]]:
    """JSON Schemas of every message and the models they use, from one Pydantic pass.

    One pass means Pydantic sees all models at once: a shared model is defined once and
    two different models with the same name get module-qualified names. A message the
    client sends is described as Pydantic validates it, one the server sends as it is
    serialized (they differ only for models with serializers or computed fields).

    Returns the schemas by component name, and the component name of each message.
    """
    incoming = set(received)
    every = incoming | set(sent)
    # Sorted so the names Pydantic picks never depend on the order routes were listed.
    ordered = sorted(every, key=lambda cls: (cls.__module__, cls.__qualname__))
    inputs: list[tuple[type[BaseMessage], JsonSchemaMode]] = [
        (cls, "validation" if cls in incoming else "serialization") for cls in ordered
    ]
    refs, top = models_json_schema(inputs, ref_template=SCHEMA_REF)
    schemas: dict[str, dict[str, Any]] = top.get("$defs", {})
    message_keys = {cls: refs[(cls, mode)]["$ref"].rsplit("/", 1)[1] for cls, mode in inputs}
    rename = _camelizer() if camelize else None
    for schema in schemas.values():
        _rewrite_schema(schema, rename)
    if action_key != DEFAULT_ACTION_KEY:
        for key in message_keys.values():
            _rename_property(schemas[key], DEFAULT_ACTION_KEY, action_key)
    for key in message_keys.values():
        _require_first(schemas[key], action_key)
    for key, schema in schemas.items():
        schema["title"] = key
    return schemas, message_keys


def _require_first(schema: dict[str, Any], name: str) -> None:
    """List property ``name`` first in ``required`` (once)."""
    required = [item for item in schema.get("required", []) if item != name]
    schema["required"] = [name, *required]


def _camelizer() -> Callable[[str], str]:
    try:
        import humps
    except ImportError as exc:
        raise ImportError(
            "camelize=True needs the pyhumps package: pip install 'chanx-core[camel-case]'"
        ) from exc
    camelize: Callable[[str], str] = humps.camelize
    return camelize


def _rewrite_schema(schema: Any, rename: Callable[[str], str] | None) -> None:
    """Adapt a Pydantic (JSON Schema 2020-12) schema to the AsyncAPI schema object in place.

    Keys become camelCase when ``rename`` is given, as the codec rewrites them on the
    wire; an OpenAPI-style ``discriminator`` object becomes the property name, which is
    what AsyncAPI's ``discriminator`` holds.
    """
    if isinstance(schema, list):
        for item in schema:
            _rewrite_schema(item, rename)
        return
    if not isinstance(schema, dict):
        return
    discriminator = schema.get("discriminator")
    if isinstance(discriminator, dict):
        name = discriminator.get("propertyName")
        if isinstance(name, str):
            schema["discriminator"] = rename(name) if rename else name
        else:
            del schema["discriminator"]
    for key, value in list(schema.items()):
        if key == "properties" and isinstance(value, dict):
            for sub in value.values():
                _rewrite_schema(sub, rename)
            if rename is not None:
                schema[key] = {rename(name): sub for name, sub in value.items()}
        elif key == "required" and isinstance(value, list) and rename is not None:
            schema[key] = [rename(name) for name in value]
        elif key not in ("enum", "const", "default", "examples") and isinstance(
            value, (dict, list)
        ):
            _rewrite_schema(value, rename)


def _rename_property(schema: dict[str, Any], old: str, new: str) -> None:
    properties = schema.get("properties")
    if isinstance(properties, dict) and old in properties:
        schema["properties"] = {(new if k == old else k): v for k, v in properties.items()}
    required = schema.get("required")
    if isinstance(required, list):
        schema["required"] = [new if name == old else name for name in required]


__all__ = ["SCHEMA_REF", "message_schemas"]
