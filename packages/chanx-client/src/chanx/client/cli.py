"""``chanx-client generate``: an AsyncAPI 3.0 document in, a typed client package out.

    chanx-client generate --schema http://localhost:8000/asyncapi.json --output chat_client
    chanx-client generate --schema asyncapi.yaml --output web/src/api --language typescript

Bad input (not AsyncAPI 3.0, a broken ``$ref``, two names that become the same identifier, an
unreachable URL) ends with exit code 2 and one line on stderr saying what to fix.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from chanx.client.document import DocumentError, load_document
from chanx.client.manifest import update_output
from chanx.client.model import ApiDef, build_api

LANGUAGES = ("python", "typescript")
Generator = Callable[[ApiDef, Path], list[Path]]


class GeneratorUnavailable(RuntimeError):
    """The generator for a language is not part of this installation."""


def generate_client(schema: str, output: Path, language: str = "python") -> list[Path]:
    """Generate the ``language`` client of the document at ``schema`` into ``output``.

    Files written by an earlier run that this one no longer produces are removed; files
    chanx-client did not write are never touched. Returns the files written.
    """
    generator = _generator(language)
    api = build_api(load_document(schema))
    written = generator(api, output)
    update_output(output, written, language)
    return written


def _generator(language: str) -> Generator:
    module_name = {
        "python": "chanx.client.python_generator",
        "typescript": "chanx.client.typescript_generator",
    }.get(language)
    if module_name is None:
        raise GeneratorUnavailable(f"unknown language {language!r}; choose one of {LANGUAGES}")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise
        raise GeneratorUnavailable(
            f"the {language} generator is not available in this chanx-client installation"
        ) from None
    generate: Generator = module.generate
    return generate


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chanx-client", description="Generate typed clients for chanx WebSocket APIs."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser(
        "generate", help="generate a client package from an AsyncAPI 3.0 document"
    )
    generate.add_argument(
        "--schema", required=True, help="the document: a file (JSON or YAML) or an http(s) URL"
    )
    generate.add_argument("--output", required=True, type=Path, help="directory to write into")
    generate.add_argument("--language", choices=LANGUAGES, default="python")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 2 bad input)."""
    arguments = _parser().parse_args(argv)
    try:
        written = generate_client(arguments.schema, arguments.output, arguments.language)
    except (DocumentError, GeneratorUnavailable) as error:
        print(f"chanx-client: error: {error}", file=sys.stderr)
        return 2
    print(f"chanx-client: wrote {len(written)} files to {arguments.output}")
    return 0
