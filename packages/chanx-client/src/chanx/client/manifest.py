"""The record of what a generator wrote into an output directory.

Regenerating must remove files that the new document no longer produces (a channel that was
renamed), but an output directory may also hold files the user put there. The manifest lists
exactly the files chanx-client wrote last time; only those are ever deleted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

MANIFEST_NAME = ".chanx-client-manifest.json"


def read_manifest(output: Path) -> set[str]:
    """The relative paths written by the previous run (none if there was no previous run)."""
    path = output / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return set()
    files = data.get("files") if isinstance(data, dict) else None
    return {entry for entry in files or [] if isinstance(entry, str) and _is_safe(entry)}


def update_output(output: Path, written: Iterable[Path], language: str) -> list[str]:
    """Delete the previous run's files that ``written`` no longer has; record ``written``.

    Returns the relative paths that were removed.
    """
    current = {PurePosixPath(path.relative_to(output)).as_posix() for path in written}
    stale = sorted(read_manifest(output) - current)
    for relative in stale:
        path = output / relative
        if path.is_file():
            path.unlink()
        _remove_empty_parents(path.parent, output)
    text = json.dumps(
        {"generator": "chanx-client", "language": language, "files": sorted(current)}, indent=2
    )
    manifest = output / MANIFEST_NAME
    if not manifest.is_file() or manifest.read_text(encoding="utf-8") != text + "\n":
        manifest.write_text(text + "\n", encoding="utf-8")
    return stale


def _is_safe(relative: str) -> bool:
    # A hand-edited manifest must not make chanx-client delete outside its output directory.
    path = PurePosixPath(relative)
    return not path.is_absolute() and ".." not in path.parts and relative != MANIFEST_NAME


def _remove_empty_parents(directory: Path, output: Path) -> None:
    while directory != output and output in directory.parents:
        try:
            directory.rmdir()
        except OSError:
            return
        directory = directory.parent
