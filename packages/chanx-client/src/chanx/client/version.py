"""The version of chanx-client, as installed (written into generated files)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    GENERATOR_VERSION = version("chanx-client")
except PackageNotFoundError:  # running from a source tree that was never installed
    GENERATOR_VERSION = "0+unknown"
