"""The Python client generator: an :class:`~chanx.client.model.ApiDef` in, a package out.

The output directory becomes an importable package: ``models.py`` (one Pydantic model per
payload model and per message), one module per channel with its typed client class, and an
``__init__.py`` re-exporting both. Rendering is a pure function of the IR, so the same document
always gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path

from chanx.client.model import ApiDef
from chanx.client.naming import NameRegistry
from chanx.client.python_generator.channel_module import exported_names, render_channel
from chanx.client.python_generator.models_module import render_models
from chanx.client.python_generator.source import (
    LINE_LENGTH,
    bracketed,
    docstring,
    header,
    import_order,
    string,
)
from chanx.client.version import GENERATOR_VERSION


def render(api: ApiDef) -> dict[str, str]:
    """The generated files of ``api``: relative path -> source text."""
    head = header(GENERATOR_VERSION, api.title, api.version)
    files = {"models.py": render_models(api, head)}
    for channel in api.channels:
        files[f"{channel.identifier}.py"] = render_channel(api, channel, head)
    files["__init__.py"] = _render_package(api, head)
    return dict(sorted(files.items()))


def generate(api: ApiDef, output: Path) -> list[Path]:
    """Write the package for ``api`` into ``output``; returns the files it consists of.

    Files whose content is already right are not rewritten (their modification time stays).
    """
    output.mkdir(parents=True, exist_ok=True)
    written = []
    for relative, text in render(api).items():
        path = output / relative
        data = text.encode("utf-8")
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
        written.append(path)
    return written


def _render_package(api: ApiDef, head: list[str]) -> str:
    exports = NameRegistry("name exported by the generated package")
    by_module: dict[str, list[str]] = {}
    for channel in api.channels:
        names = exported_names(api, channel)
        for name in names:
            exports.claim(name, f"channel '{channel.id}'")
        by_module[channel.identifier] = names
    models = [model.name for model in api.models] + [message.name for message in api.messages]
    for name in models:
        exports.claim(name, f"{name} of models.py")
    by_module["models"] = models
    text = f"Typed clients of {api.title} {api.version}.".replace("  ", " ")
    if api.description:
        text += "\n\n" + api.description
    lines = [*head, *docstring(text, ""), ""]
    for module in sorted(by_module):
        names = import_order(by_module[module])
        if names:
            lines.extend(_from_import(f".{module}", names))
    # RUF022 sorts __all__ case-sensitively, unlike the imports above.
    exported = sorted(name for names in by_module.values() for name in names)
    lines.append("")
    lines.extend(bracketed("__all__ = [", [string(name) for name in exported], "", "", close="]"))
    return "\n".join(lines) + "\n"


def _from_import(module: str, names: list[str]) -> list[str]:
    one_line = f"from {module} import {', '.join(names)}"
    if len(one_line) <= LINE_LENGTH:
        return [one_line]
    return bracketed(f"from {module} import (", names, "", "", close=")")
