"""``manage.py generate_asyncapi_schema``, available with only ``chanx.channels`` installed.

The command belongs to chanx-asyncapi; this module hands over to it, or explains which
distribution to install when it is missing.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.core.management.base import BaseCommand, CommandError

_MISSING = (
    "generate_asyncapi_schema needs the chanx-asyncapi distribution: pip install chanx-asyncapi"
)

try:
    _command = importlib.import_module(
        "chanx.asyncapi.management.commands.generate_asyncapi_schema"
    )
except ModuleNotFoundError as exc:
    if exc.name is None or not exc.name.startswith("chanx.asyncapi"):
        raise

    class Command(BaseCommand):
        """Stands in for the chanx-asyncapi command and says how to get it."""

        help = _MISSING

        def run_from_argv(self, argv: list[str]) -> None:
            raise SystemExit(f"CommandError: {_MISSING}")

        def handle(self, *args: Any, **options: Any) -> None:
            raise CommandError(_MISSING)

else:
    Command = _command.Command  # type: ignore[misc]
