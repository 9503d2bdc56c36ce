"""Serve the chat example: migrate SQLite, create the demo user, run uvicorn on 127.0.0.1.

    hatch run example:serve            # in-memory channel layer, one process
    REDIS_URL=redis://127.0.0.1:6379/0 hatch run example:serve -- --port 8001

With REDIS_URL several server processes (different ports) serve one chat.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEMO_USER, DEMO_PASSWORD = "demo", "demo-password"
ADMIN_USER = "admin"
"""A superuser for the admin (rooms), with the demo password: the example listens on 127.0.0.1."""


def prepare() -> str:
    """Migrate, make sure the demo users and a first room exist; return demo's API token."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from chat.models import Room
    from chat.views import token_for
    from django.contrib.auth import get_user_model

    users = get_user_model()
    for name in (DEMO_USER, "alice", "bob"):
        if not users.objects.filter(username=name).exists():
            users.objects.create_user(name, password=DEMO_PASSWORD)
    if not users.objects.filter(username=ADMIN_USER).exists():
        users.objects.create_superuser(ADMIN_USER, password=DEMO_PASSWORD)
    if not Room.objects.exists():
        Room.objects.create(name="lobby", title="Lobby")
    return token_for(DEMO_USER)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--prepare-only", action="store_true", help="migrate and exit")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(HERE))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chat_project.settings")
    token = prepare()
    if args.prepare_only:
        return
    base = f"http://{args.host}:{args.port}"
    layer = "Redis at " + os.environ["REDIS_URL"] if os.environ.get("REDIS_URL") else "in-memory"
    print(f"chanx chat example ({layer} channel layer)")
    print(f"  chat page      {base}/   (log in as {DEMO_USER} / {DEMO_PASSWORD}, or alice, bob)")
    print(f"  hub page       {base}/hub/   (every room on one socket, the room list live)")
    print(f"  admin          {base}/admin/   (rooms; log in as {ADMIN_USER} / {DEMO_PASSWORD})")
    print(f"  AsyncAPI docs  {base}/asyncapi/docs/")
    print(f"  WebSocket      ws://{args.host}:{args.port}/ws/chat/lobby/")
    print(f"                 with header 'Authorization: Token {token}'")
    # asgi.py checks origins: a handshake without one (most non-browser clients) gets 403.
    print(f"                 and header 'Origin: {base}' (without it: HTTP 403)")
    sys.stdout.flush()

    import uvicorn

    from chanx.channels.redaction import uvicorn_log_config

    uvicorn.run(
        "chat_project.asgi:application",
        host=args.host,
        port=args.port,
        app_dir=str(HERE),
        # uvicorn logs handshake paths with their query strings: keep credentials out.
        log_config=uvicorn_log_config("warning"),
        lifespan="on",
    )


if __name__ == "__main__":
    main()
