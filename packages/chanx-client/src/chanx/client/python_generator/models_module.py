"""The generated ``models.py``: one Pydantic model per payload model and per message."""

from __future__ import annotations

from chanx.client.model import ApiDef, FieldDef, MessageDef, ModelDef, TypeRef
from chanx.client.python_generator.source import (
    INDENT,
    annotation,
    bracketed,
    docstring,
    string,
    uses_any,
    uses_literal,
    value,
)


def render_models(api: ApiDef, header: list[str]) -> str:
    """The source of ``models.py`` for ``api``."""
    needs_field = any(_needs_field_call(field) for model in api.models for field in model.fields)
    types = [field.type for model in api.models for field in model.fields]
    types += [message.payload for message in api.messages]
    typing_names = ["Any"] if any(uses_any(type_ref) for type_ref in types) else []
    if api.messages or any(uses_literal(type_ref) for type_ref in types):
        typing_names.append("Literal")
    pydantic_names = ["BaseModel"]
    if any(_has_alias(model) for model in api.models):
        pydantic_names.append("ConfigDict")
    if needs_field:
        pydantic_names.append("Field")
    lines = [
        *header,
        *docstring(f"Payload models and messages of {api.title} {api.version}.".strip(), ""),
        "",
        "from __future__ import annotations",
        "",
    ]
    if typing_names:
        lines.append(f"from typing import {', '.join(typing_names)}")
        lines.append("")
    lines.append(f"from pydantic import {', '.join(pydantic_names)}")
    for model in api.models:
        lines.extend(["", "", *_model_class(model)])
    for message in api.messages:
        lines.extend(["", "", *_message_class(message)])
    return "\n".join(lines) + "\n"


def _model_class(model: ModelDef) -> list[str]:
    lines = [f"class {model.name}(BaseModel):"]
    if model.description:
        lines.extend([*docstring(model.description, INDENT), ""])
    if _has_alias(model):
        # Fields renamed from their JSON key (``from`` -> ``from_``) stay settable by name.
        lines.extend([f"{INDENT}model_config = ConfigDict(populate_by_name=True)", ""])
    for field in model.fields:
        lines.extend(_field_lines(field))
        if field.description:
            lines.extend(docstring(field.description, INDENT))
    return lines


def _message_class(message: MessageDef) -> list[str]:
    lines = [f"class {message.name}(BaseModel):"]
    text = "\n\n".join(part for part in (message.summary, message.description) if part)
    lines.extend(docstring(text or f"The ``{message.action}`` message.", INDENT))
    lines.append("")
    action = string(message.action)
    lines.append(f"{INDENT}action: Literal[{action}] = {action}")
    payload = message.payload
    if payload.kind in ("null", "any") or payload.nullable:
        lines.append(f"{INDENT}payload: {annotation(payload)} = None")
    else:
        lines.append(f"{INDENT}payload: {annotation(payload)}")
    return lines


def _has_alias(model: ModelDef) -> bool:
    return any(field.name != field.wire_name for field in model.fields)


def _needs_field_call(field: FieldDef) -> bool:
    return field.name != field.wire_name or (field.has_default and _holds_model(field))


def _holds_model(field: FieldDef) -> bool:
    # A default for a model-typed field is a JSON object: Pydantic only turns it into the
    # model when asked to validate defaults.
    return field.default is not None and _mentions_model(field.type)


def _mentions_model(type_ref: TypeRef) -> bool:
    if type_ref.kind == "model":
        return True
    children = (*((type_ref.item,) if type_ref.item else ()), *type_ref.options)
    return any(_mentions_model(child) for child in children)


def _field_lines(field: FieldDef) -> list[str]:
    default_is_none = field.has_default and field.default is None
    optional = (not field.required and not field.has_default) or default_is_none
    spelled = annotation(field.type, optional=optional and field.type.kind not in ("any", "null"))
    if field.has_default:
        default: str | None = value(field.default)
    elif not field.required:
        default = "None"
    else:
        default = None
    head = f"{field.name}: {spelled}"
    if not _needs_field_call(field):
        line = f"{INDENT}{head}" + (f" = {default}" if default is not None else "")
        return [line]
    arguments = []
    if default is not None:
        arguments.append(f"default={default}")
    if field.name != field.wire_name:
        arguments.append(f"alias={string(field.wire_name)}")
    if field.has_default and _holds_model(field):
        arguments.append("validate_default=True")
    return bracketed(f"{head} = Field(", arguments, "", INDENT, close=")")
