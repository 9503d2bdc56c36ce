"""Hatchling metadata hook: pin sibling ``chanx-*`` distributions to this release.

The dependency lists live in ``[tool.hatch.metadata.hooks.custom]`` of ``pyproject.toml``
with bare ``chanx-*`` names; this hook rewrites each one to ``chanx-*==<version>`` so the
five distributions are always installed in lockstep. The file lives inside each package
folder (not shared through ``../``) because an sdist must be able to rebuild its wheel.
"""

from __future__ import annotations

import re
from typing import Any

from hatchling.metadata.plugin.interface import MetadataHookInterface

_SIBLING = re.compile(r"^(?P<name>chanx-[a-z0-9-]+)(?P<extras>\[[^\]]*\])?\s*(?P<marker>;.*)?$")


def _pin(requirement: str, version: str) -> str:
    """Return ``requirement`` pinned to ``version`` if it names a bare ``chanx-*`` package."""
    match = _SIBLING.match(requirement.strip())
    if match is None:
        return requirement
    extras = match.group("extras") or ""
    marker = match.group("marker") or ""
    pinned = f"{match.group('name')}{extras}=={version}"
    return f"{pinned} {marker}" if marker else pinned


class CustomMetadataHook(MetadataHookInterface):
    """Fill ``dependencies`` / ``optional-dependencies`` with sibling pins."""

    def update(self, metadata: dict[str, Any]) -> None:
        version = metadata["version"]
        dynamic = metadata.get("dynamic", [])
        if "dependencies" in dynamic:
            deps = self.config.get("dependencies", [])
            metadata["dependencies"] = [_pin(req, version) for req in deps]
        if "optional-dependencies" in dynamic:
            extras = self.config.get("optional-dependencies", {})
            metadata["optional-dependencies"] = {
                name: [_pin(req, version) for req in reqs] for name, reqs in extras.items()
            }
