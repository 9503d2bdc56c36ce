"""``python -m benchmarks.drf_auth``: the cost of DRF authentication per WebSocket connection.

One connection = connect, authenticate with DRF ``TokenAuthentication`` +
``IsAuthenticated``, send the ``authentication`` message, one echo round trip, disconnect.
Two implementations do exactly that over the same in-process ASGI transport:

* ``chanx``: a chanx consumer with ``authenticator_class = DjangoAuthenticator`` subclass;
* ``raw``: a hand-written Channels ``AsyncJsonWebsocketConsumer`` doing the same DRF work
  (a DRF ``Request`` from the handshake, the authentication and permission classes, off
  the event loop) and the same frames.

The clock is ``time.process_time`` (CPU of the whole process, the authentication threads
included) per connection. Rounds alternate the order of the implementations, and the
printed ratio is the median over rounds of ours/raw (lower is better: 1.10 means chanx
spends 10 % more CPU per connection). Django runs with its own settings and a temporary
SQLite database; nothing of the project's settings is used.
"""

# No `from __future__ import annotations`: the consumer below is defined inside a function
# (after Django is configured), where chanx can resolve only evaluated annotations.
import argparse
import asyncio
import gc
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Literal

from benchmarks import use_checkout_packages_unless

use_checkout_packages_unless("chanx.drf")


def _configure(database: Path) -> None:
    import django
    from django.conf import settings

    settings.configure(
        SECRET_KEY="benchmarks-only",
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "rest_framework",
            "rest_framework.authtoken",
            "chanx.channels",
        ],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(database)}},
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        CHANX={"SEND_COMPLETION": False, "LOG_WEBSOCKET_MESSAGE": False},
        USE_TZ=True,
    )
    django.setup()


def _build() -> tuple[Any, Any, str]:
    """The two consumers and a valid token; needs Django configured."""
    from channels.db import database_sync_to_async
    from channels.generic.websocket import AsyncJsonWebsocketConsumer as RawConsumer
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.http import HttpRequest
    from pydantic import BaseModel
    from rest_framework.authentication import TokenAuthentication
    from rest_framework.authtoken.models import Token
    from rest_framework.exceptions import APIException
    from rest_framework.permissions import IsAuthenticated
    from rest_framework.request import Request

    from chanx.channels.websocket import AsyncJsonWebsocketConsumer
    from chanx.core.decorators import ws_handler
    from chanx.drf import DjangoAuthenticator
    from chanx.messages.base import BaseMessage

    call_command("migrate", verbosity=0)
    user = User.objects.create_user("bench")
    token = Token.objects.create(user=user).key

    class Text(BaseModel):
        text: str

    class Echo(BaseMessage):
        action: Literal["echo"] = "echo"
        payload: Text

    class EchoReply(BaseMessage):
        action: Literal["echo_reply"] = "echo_reply"
        payload: Text

    class TokenAuthenticator(DjangoAuthenticator):
        authentication_classes = (TokenAuthentication,)
        permission_classes = (IsAuthenticated,)

    class ChanxEcho(AsyncJsonWebsocketConsumer):
        authenticator_class = TokenAuthenticator

        @ws_handler
        async def handle_echo(self, message: Echo) -> EchoReply:
            return EchoReply(payload=message.payload)

    def raw_authenticate(scope: dict[str, Any]) -> tuple[int, str, Any, Any]:
        http = HttpRequest()
        http.method = "GET"
        http.path = scope["path"]
        for name, value in scope["headers"]:
            key = name.decode("latin1").upper().replace("-", "_")
            http.META[f"HTTP_{key}"] = value.decode("latin1")
        request = Request(http, authenticators=[TokenAuthentication()])
        try:
            user = request.user
            if not IsAuthenticated().has_permission(request, None):  # type: ignore[arg-type]
                return 401, "Unauthorized", {"detail": "Not authenticated."}, None
        except APIException as exc:
            return exc.status_code, "Unauthorized", {"detail": str(exc.detail)}, None
        return 200, "OK", {"detail": "OK"}, user

    class RawEcho(RawConsumer):  # type: ignore[misc]
        async def connect(self) -> None:
            await self.accept()
            run = database_sync_to_async(raw_authenticate, thread_sensitive=False)
            status, text, data, user = await run(self.scope)
            payload = {"status_code": status, "status_text": text, "data": data}
            await self.send_json({"action": "authentication", "payload": payload})
            if status != 200:
                await self.close(code=4000 + status)
                return
            self.scope["user"] = user

        async def receive_json(self, content: Any, **kwargs: Any) -> None:
            if content.get("action") == "echo" and isinstance(content.get("payload"), dict):
                await self.send_json({"action": "echo_reply", "payload": content["payload"]})

    return ChanxEcho.as_asgi(), RawEcho.as_asgi(), token


async def _connections(app: Any, token: str, count: int) -> float:
    """CPU seconds per connection over ``count`` sequential connections."""
    from channels.testing import WebsocketCommunicator

    headers = [(b"authorization", f"Token {token}".encode())]
    frame = {"action": "echo", "payload": {"text": "hello"}}
    gc.collect()
    started = time.process_time()
    for _ in range(count):
        ws = WebsocketCommunicator(app, "/ws/bench/", headers=headers)
        connected, _ = await ws.connect()
        assert connected
        auth = json.loads(await ws.receive_from(5))
        assert auth["payload"]["status_code"] == 200, auth
        await ws.send_json_to(frame)
        reply = json.loads(await ws.receive_from(5))
        assert reply == {"action": "echo_reply", "payload": {"text": "hello"}}, reply
        await ws.disconnect()
    return (time.process_time() - started) / count


async def _run(rounds: int, count: int, built: tuple[Any, Any, str]) -> dict[str, list[float]]:
    chanx_app, raw_app, token = built
    apps = {"chanx": chanx_app, "raw": raw_app}
    await _connections(chanx_app, token, 20)  # warm-up: imports, caches, first queries
    await _connections(raw_app, token, 20)
    results: dict[str, list[float]] = {"chanx": [], "raw": []}
    for index in range(rounds):
        order = ("chanx", "raw") if index % 2 == 0 else ("raw", "chanx")
        for name in order:
            results[name].append(await _connections(apps[name], token, count))
    return results


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the medians and the ratio ours/raw."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.drf_auth", description=__doc__)
    parser.add_argument("--rounds", type=int, default=7, help="rounds (default 7)")
    parser.add_argument("--connections", type=int, default=200, help="per round (default 200)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir:
        _configure(Path(workdir) / "bench.sqlite3")
        results = asyncio.run(_run(args.rounds, args.connections, _build()))
    ratios = [c / r for c, r in zip(results["chanx"], results["raw"], strict=True)]
    print(f"drf_auth: {args.rounds} rounds x {args.connections} connections, CPU per connection")
    for name in ("raw", "chanx"):
        median = statistics.median(results[name]) * 1e6
        print(f"  {name:<5} median {median:8.0f} us")
    print(f"  ratio ours/raw (median of per-round ratios): {statistics.median(ratios):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
