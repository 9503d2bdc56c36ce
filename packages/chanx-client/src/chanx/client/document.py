"""Loading an AsyncAPI 3.0 document (file or URL, JSON or YAML) and following its ``$ref``\\ s.

The document stays a plain ``dict`` with its ``$ref``\\ s in place: names of referenced
components are what the generated classes are called, so inlining them would lose information.
Every local reference is checked once while loading, so later code can follow them with
:func:`resolve` without handling broken pointers.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

_VERSION = re.compile(r"^3\.0\.\d+$")
_URL_TIMEOUT = 30.0


class DocumentError(ValueError):
    """The document cannot be read or turned into a client; the message says what to fix."""


def load_document(source: str) -> dict[str, Any]:
    """Read, parse and validate the AsyncAPI 3.0 document at ``source``.

    ``source`` is a file path or an ``http(s)://`` URL (for example a chanx server's
    ``/asyncapi.json``). JSON is always understood; YAML needs PyYAML (the ``yaml`` extra).
    """
    text = _read(source)
    return validate_document(parse_document(text, source), source)


def parse_document(text: str, source: str = "<document>") -> Any:
    """Parse ``text`` as JSON, or as YAML when it is not JSON."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as json_error:
        if text.lstrip().startswith(("{", "[")):
            raise DocumentError(f"{source} is not valid JSON: {json_error}") from None
    try:
        import yaml
    except ImportError:
        raise DocumentError(
            f"{source} is not JSON; to read YAML install PyYAML (pip install 'chanx-client[yaml]')"
        ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as yaml_error:
        raise DocumentError(
            f"{source} is neither valid JSON nor valid YAML: {yaml_error}"
        ) from None


def validate_document(document: Any, source: str = "<document>") -> dict[str, Any]:
    """Check that ``document`` is an AsyncAPI 3.0 document whose local ``$ref``\\ s all resolve."""
    if not isinstance(document, dict):
        raise DocumentError(
            f"{source} is not an AsyncAPI document (its top level is not an object)"
        )
    version = document.get("asyncapi")
    if not isinstance(version, str) or not _VERSION.match(version):
        found = "no 'asyncapi' field" if version is None else f"'asyncapi: {version}'"
        raise DocumentError(f"{source} is not an AsyncAPI 3.0 document ({found}; expected 3.0.x)")
    info = document.get("info")
    if not isinstance(info, dict) or not isinstance(info.get("title"), str):
        raise DocumentError(f"{source} has no info.title; AsyncAPI 3.0 requires info.title")
    for section in ("channels", "operations", "components"):
        if not isinstance(document.get(section, {}), dict):
            raise DocumentError(f"{source}: '{section}' must be an object")
    for pointer, ref in _references(document, "#"):
        if not ref.startswith("#"):
            raise DocumentError(
                f"{source}: the $ref '{ref}' at {pointer} points outside the document; "
                "only local references ('#/...') are supported: bundle the document first"
            )
        try:
            resolve(document, ref, at=pointer)
        except DocumentError as error:
            raise DocumentError(f"{source}: {error}") from None
    return document


def resolve(document: Mapping[str, Any], ref: str, *, at: str = "") -> Any:
    """The value the local JSON pointer ``ref`` (``#/components/...``) designates."""
    where = f" (at {at})" if at else ""
    if not ref.startswith("#"):
        raise DocumentError(f"unsupported $ref '{ref}'{where}: only '#/...' references are read")
    node: Any = document
    pointer = urllib.parse.unquote(ref[1:])
    for token in pointer.split("/")[1:] if pointer else []:
        key = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            raise DocumentError(f"unresolvable $ref '{ref}'{where}: nothing at '{key}'")
    return node


def follow(document: Mapping[str, Any], node: Any) -> Any:
    """``node`` with its ``$ref`` chain followed to the value it stands for."""
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if ref in seen:
            raise DocumentError(f"$ref cycle through '{ref}'")
        seen.add(ref)
        node = resolve(document, ref)
    return node


def _references(node: Any, pointer: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield pointer, value
            else:
                escaped = str(key).replace("~", "~0").replace("/", "~1")
                yield from _references(value, f"{pointer}/{escaped}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _references(value, f"{pointer}/{index}")


def _read(source: str) -> str:
    if source.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(source, timeout=_URL_TIMEOUT) as response:
                raw: bytes = response.read()
                charset = response.headers.get_content_charset() or "utf-8"
        except urllib.error.HTTPError as error:
            raise DocumentError(
                f"cannot fetch {source}: HTTP {error.code} {error.reason}"
            ) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise DocumentError(f"cannot reach {source}: {reason}") from None
        return raw.decode(charset, errors="replace")
    path = Path(source)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DocumentError(f"no such file: {source}") from None
    except OSError as error:
        raise DocumentError(f"cannot read {source}: {error.strerror}") from None
