"""Settings of the model stream end-to-end test: the test project on a shared SQLite file and Redis.

Two uvicorn servers and the process that saves use these settings, so they share one
database (``CHANX_E2E_DATABASE``, a file) and one channel layer (``CHANX_E2E_REDIS_URL``).
"""

from __future__ import annotations

import os
from typing import Any

from tests.project.settings import *  # noqa: F403 - the test project, with two changes

DATABASES: dict[str, Any] = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["CHANX_E2E_DATABASE"],
        # Three processes share the file: wait for a writer's lock instead of failing.
        "OPTIONS": {"timeout": 30},
    }
}
CHANNEL_LAYERS: dict[str, Any] = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [os.environ["CHANX_E2E_REDIS_URL"]]},
    }
}
CHANX = {"SEND_COMPLETION": False}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
