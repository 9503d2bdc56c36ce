"""JSON Schema (as Pydantic writes it) to :class:`~chanx.client.model.TypeRef` and models.

Only what payload schemas use is understood: scalar types, ``const``/``enum``, arrays, objects
with ``properties`` (models) or ``additionalProperties`` (maps), ``anyOf``/``oneOf``/type lists
(unions, ``null`` folded into ``nullable``) and a single-item ``allOf``. Anything else is
``any``: the generated client still validates what it can and passes the rest through.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chanx.client.document import follow, resolve
from chanx.client.model import FieldDef, LiteralValue, ModelDef, TypeRef
from chanx.client.naming import NameRegistry, field_identifier, pascal_case

_SCALARS = {"string", "integer", "number", "boolean"}
_SCHEMAS = "#/components/schemas/"


class SchemaTypes:
    """Turns schemas into types, creating one :class:`ModelDef` per object schema reached."""

    def __init__(
        self,
        document: Mapping[str, Any],
        classes: NameRegistry,
        schema_names: Mapping[str, str],
    ) -> None:
        self._document = document
        self._classes = classes
        self._schema_names = schema_names
        self._models: dict[str, ModelDef] = {}
        self._by_pointer: dict[str, str] = {}
        self._dependencies: dict[str, list[str]] = {}

    def type_of(self, schema: Any, hint: str, where: str) -> TypeRef:
        """The type of ``schema``; an inline object becomes a model named ``hint``."""
        if schema is True or schema is None:
            return TypeRef("any")
        if not isinstance(schema, dict):
            return TypeRef("any")
        ref = schema.get("$ref")
        if isinstance(ref, str):
            target = resolve(self._document, ref, at=where)
            if _is_object_model(follow(self._document, target)):
                return TypeRef("model", model=self._model_from_ref(ref))
            return self.type_of(target, _ref_hint(ref, hint), ref)
        if "const" in schema:
            return _literal([schema["const"]])
        if isinstance(schema.get("enum"), list):
            return _literal(schema["enum"])
        for keyword in ("anyOf", "oneOf"):
            if isinstance(schema.get(keyword), list):
                options = [
                    self.type_of(option, hint, f"{where}/{keyword}/{index}")
                    for index, option in enumerate(schema[keyword])
                ]
                return _union(options)
        all_of = schema.get("allOf")
        if isinstance(all_of, list) and len(all_of) == 1:
            return self.type_of(all_of[0], hint, f"{where}/allOf/0")
        kind = schema.get("type")
        if isinstance(kind, list):
            return _union([self.type_of({**schema, "type": k}, hint, where) for k in kind])
        if kind in _SCALARS or kind == "null":
            return TypeRef(kind)
        if kind == "array":
            items = schema.get("items")
            return TypeRef("array", item=self.type_of(items, f"{hint}Item", f"{where}/items"))
        if kind == "object" or "properties" in schema:
            if _is_object_model(schema):
                return TypeRef("model", model=self._inline_model(schema, hint, where))
            values = schema.get("additionalProperties")
            item = (
                self.type_of(values, f"{hint}Value", f"{where}/additionalProperties")
                if isinstance(values, dict)
                else TypeRef("any")
            )
            return TypeRef("map", item=item)
        return TypeRef("any")

    def models_in_dependency_order(self) -> tuple[ModelDef, ...]:
        """Every model reached, each after the models its fields use (cycles kept as met)."""
        ordered: dict[str, None] = {}
        visiting: set[str] = set()

        def visit(name: str) -> None:
            if name in ordered or name in visiting:
                return
            visiting.add(name)
            for dependency in self._dependencies[name]:
                visit(dependency)
            visiting.discard(name)
            ordered[name] = None

        for name in self._models:
            visit(name)
        return tuple(self._models[name] for name in ordered)

    def _model_from_ref(self, ref: str) -> str:
        pointer = ref
        target = resolve(self._document, ref)
        while isinstance(target, dict) and isinstance(target.get("$ref"), str):
            pointer = target["$ref"]
            target = resolve(self._document, pointer)
        if pointer in self._by_pointer:
            return self._by_pointer[pointer]
        key = pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
        if pointer.startswith(_SCHEMAS) and key in self._schema_names:
            name = self._schema_names[key]
        else:
            name = pascal_case(str(target.get("title") or key))
        return self._define(name, target, f"schema {pointer}", pointer)

    def _inline_model(self, schema: dict[str, Any], hint: str, where: str) -> str:
        return self._define(pascal_case(hint), schema, f"the inline object at {where}", where)

    def _define(self, name: str, schema: dict[str, Any], source: str, pointer: str) -> str:
        self._classes.claim(name, source)
        # Registered before the fields are read, so a recursive schema finds itself.
        self._by_pointer[pointer] = name
        self._dependencies[name] = []
        required = schema.get("required") or []
        registry = NameRegistry(f"field of {name}")
        fields = []
        for wire_name, property_schema in (schema.get("properties") or {}).items():
            field_type = self.type_of(
                property_schema, f"{name}{pascal_case(wire_name)}", f"{pointer}/{wire_name}"
            )
            self._dependencies[name].extend(_models_used(field_type))
            declared = property_schema if isinstance(property_schema, dict) else {}
            has_default = "default" in declared
            fields.append(
                FieldDef(
                    wire_name=wire_name,
                    name=registry.claim(field_identifier(wire_name), f"property '{wire_name}'"),
                    type=field_type,
                    required=wire_name in required,
                    has_default=has_default,
                    default=declared.get("default"),
                    description=_text(declared.get("description")),
                )
            )
        description = schema.get("description")
        self._models[name] = ModelDef(
            name=name, description=_text(description), fields=tuple(fields)
        )
        return name


def _is_object_model(schema: Any) -> bool:
    return isinstance(schema, dict) and bool(schema.get("properties"))


def _ref_hint(ref: str, hint: str) -> str:
    return ref.rsplit("/", 1)[-1] if ref.startswith(_SCHEMAS) else hint


def _literal(values: list[Any]) -> TypeRef:
    scalars: list[LiteralValue] = [
        value for value in values if value is None or isinstance(value, str | int | float | bool)
    ]
    if len(scalars) != len(values):
        return TypeRef("any")
    nullable = None in scalars
    literals = tuple(value for value in scalars if value is not None)
    if not literals:
        return TypeRef("null")
    return TypeRef("literal", literals=literals, nullable=nullable)


def _union(options: list[TypeRef]) -> TypeRef:
    nullable = any(option.kind == "null" or option.nullable for option in options)
    flat: list[TypeRef] = []
    for option in options:
        if option.kind == "null":
            continue
        members = option.options if option.kind == "union" else (option,)
        for member in members:
            bare = TypeRef(
                member.kind, member.literals, member.item, member.options, member.model, False
            )
            if bare.kind == "any":
                return TypeRef("any")
            if bare not in flat:
                flat.append(bare)
    if not flat:
        return TypeRef("null")
    if len(flat) == 1:
        only = flat[0]
        return TypeRef(only.kind, only.literals, only.item, only.options, only.model, nullable)
    return TypeRef("union", options=tuple(flat), nullable=nullable)


def _models_used(type_ref: TypeRef) -> list[str]:
    found = [type_ref.model] if type_ref.model else []
    if type_ref.item:
        found.extend(_models_used(type_ref.item))
    for option in type_ref.options:
        found.extend(_models_used(option))
    return found


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
