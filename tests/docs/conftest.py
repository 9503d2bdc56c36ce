"""The documentation's samples run against their own ASGI application (docs/snippets/asgi.py)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _docs_asgi_application(settings: Any) -> None:
    settings.ASGI_APPLICATION = "docs.snippets.asgi.application"
    settings.ROOT_URLCONF = "docs.snippets.asyncapi_urls"
