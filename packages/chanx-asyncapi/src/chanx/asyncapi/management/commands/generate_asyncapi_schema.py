"""``manage.py generate_asyncapi_schema``: write the AsyncAPI document without a server.

A thin shell over :func:`chanx.asyncapi.schema.build_document`, rendered exactly as the
schema view renders it. Besides writing the document it guards it in CI:

* ``--validate`` checks it against the AsyncAPI 3.0.0 JSON Schema bundled with this
  package (needs ``jsonschema``) and fails listing every violation;
* ``--check --file FILE`` (or ``--check FILE``) fails when ``FILE`` differs from what
  would be generated now, so a committed schema cannot drift from the code. Like
  ``makemigrations --check``, it never writes.

A document without channels (no chanx consumer found where the routes were looked for)
is written with a warning, and fails ``--validate`` and ``--check``: in CI it means the
routing was not found, not that the API is empty.

Examples::

    python manage.py generate_asyncapi_schema --format yaml --file schema.yaml
    python manage.py generate_asyncapi_schema --format json --validate
    python manage.py generate_asyncapi_schema --check --file schema.yaml
    python manage.py generate_asyncapi_schema --base-url wss://api.example.com --check schema.yaml
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from chanx.asyncapi.rendering import FORMATS, DocumentFormat, render_document
from chanx.asyncapi.schema import DocumentOptions, build_document
from chanx.asyncapi.validation import validation_errors

_DIFF_LINES = 40


def _format_for(explicit: str | None, path: str | None) -> DocumentFormat:
    """``--format`` if given, else the file's extension (``.json``), else YAML."""
    if explicit == "json" or (explicit is None and path and path.lower().endswith(".json")):
        return "json"
    return "yaml"


def _check_target(check: str | bool | None, file: str | None) -> str | None:
    """The file ``--check`` compares: its own value, else ``--file``'s; None without --check.

    A bare ``--check`` is ``True`` (also ``call_command(..., check=True, file=...)``).
    """
    if check is None or check is False:
        return None
    if check is True:
        if not file:
            raise CommandError(
                "--check needs the file to compare: --check --file PATH (or --check PATH)."
            )
        return file
    if file and file != check:
        raise CommandError(
            f"--check {check} and --file {file} name different files; --check compares "
            "without writing, so give the file once: --check --file PATH."
        )
    return str(check)


def _no_routes_message(discovery_class: str | None) -> str:
    """Why the document is empty, naming where the routes were looked for."""
    if discovery_class:
        where = f"the discovery class {discovery_class} returned none"
    else:
        application = getattr(settings, "ASGI_APPLICATION", None)
        where = (
            f"none found in ASGI_APPLICATION ({application})"
            if application
            else "ASGI_APPLICATION is not set"
        )
    return (
        f"No WebSocket routes to chanx consumers: {where}. The document has no channels. "
        "Point ASGI_APPLICATION at the application whose 'websocket' routes reach your "
        "consumers, or give --discovery-class."
    )


class Command(BaseCommand):
    """Generate, validate or check the project's AsyncAPI document."""

    help = (
        "Generate the AsyncAPI 3.0 document of the project's WebSocket routes "
        "(YAML by default) to stdout or --file; --validate checks it against the "
        "specification, --check --file FILE (or --check FILE) fails when FILE is out of date."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--format",
            choices=FORMATS,
            default=None,
            help="Output format (default: from the file extension, else yaml).",
        )
        parser.add_argument("--file", help="Write to this file instead of stdout.")
        parser.add_argument(
            "--base-url",
            help="WebSocket base URL of the documented server, e.g. wss://api.example.com "
            "(default: ASYNCAPI_SERVER_URL, WEBSOCKET_BASE_URL, else ws://localhost:8000).",
        )
        parser.add_argument("--title", help="API title (default: ASYNCAPI_TITLE).")
        parser.add_argument("--api-version", help="API version (default: ASYNCAPI_VERSION).")
        parser.add_argument(
            "--description", help="API description (default: ASYNCAPI_DESCRIPTION)."
        )
        parser.add_argument(
            "--discovery-class",
            help="Dotted path of a custom route discovery class (default: walk ASGI_APPLICATION).",
        )
        parser.add_argument(
            "--validate",
            action="store_true",
            help="Validate against the AsyncAPI 3.0.0 JSON Schema (needs jsonschema).",
        )
        parser.add_argument(
            "--check",
            nargs="?",
            const=True,
            metavar="FILE",
            help="Exit with an error if the file (given here or with --file) differs from the "
            "generated document; writes nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Build the document, then validate, check, write or print it as asked."""
        check, target = _check_target(options["check"], options["file"]), options["file"]
        try:
            document = build_document(
                DocumentOptions(
                    base_url=options["base_url"],
                    title=options["title"],
                    version=options["api_version"],
                    description=options["description"],
                    discovery_class=options["discovery_class"],
                )
            )
        except (ImportError, TypeError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if not document.get("channels"):
            message = _no_routes_message(options["discovery_class"])
            if options["validate"] or check:
                raise CommandError(message)
            self.stderr.write(self.style.WARNING(f"Warning: {message}"))
        if options["validate"]:
            self._validate(document)
        text = render_document(document, _format_for(options["format"], check or target))
        if check:
            self._check(Path(check), text)
            return
        if target:
            Path(target).write_text(text, encoding="utf-8")
            self.stderr.write(f"AsyncAPI document written to {target}")
        else:
            self.stdout.write(text, ending="")

    def _validate(self, document: dict[str, Any]) -> None:
        try:
            errors = validation_errors(document)
        except ImportError as exc:
            raise CommandError(str(exc)) from exc
        if errors:
            listing = "\n".join(f"  {error}" for error in errors)
            raise CommandError(
                f"The generated document breaks the AsyncAPI 3.0.0 specification:\n{listing}"
            )
        self.stderr.write("The document is valid AsyncAPI 3.0.0.")

    def _check(self, path: Path, text: str) -> None:
        try:
            current = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CommandError(f"{path} does not exist; generate it with --file {path}") from None
        if current == text:
            self.stderr.write(f"{path} is up to date.")
            return
        diff = list(
            difflib.unified_diff(
                current.splitlines(),
                text.splitlines(),
                fromfile=str(path),
                tofile="generated",
                lineterm="",
            )
        )
        shown = "\n".join(diff[:_DIFF_LINES])
        more = f"\n... {len(diff) - _DIFF_LINES} more diff lines" if len(diff) > _DIFF_LINES else ""
        raise CommandError(
            f"{path} is out of date with the code; regenerate it with the same options and "
            f"--file {path}.\n{shown}{more}"
        )
