"""Import documented paths whose code lives in another chanx distribution."""

from __future__ import annotations

import importlib
from types import ModuleType


def import_from_distribution(module: str, distribution: str, alias: str) -> ModuleType:
    """Import ``module``; if its distribution is missing, say which one to install."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is None or not module.startswith(exc.name):
            raise
        raise ImportError(
            f"{alias} is provided by the {distribution} distribution, which is not installed: "
            f"pip install {distribution}",
            name=alias,
        ) from exc
