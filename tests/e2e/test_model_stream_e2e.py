"""Live model streams across processes: two uvicorn servers, one Redis, one database file.

A third process (as a management command or a task worker would) saves rooms in
separate transactions. Every subscriber, on either server, receives the pushes of the
topics it may see in commit order; a rolled-back save reaches no one; a client refused a
topic never receives a frame of it.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from benchmarks.servers import REPO_ROOT, free_port, stop_process, wait_for_port

pytestmark = [pytest.mark.e2e, pytest.mark.redis]

SETTINGS = "tests.e2e.model_stream_settings"
TIMEOUT = 15.0

SETUP = """
import json, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from tests.project.models import Room
users = {name: User.objects.create_user(name) for name in ("alice", "bob", "carol")}
room = Room.objects.create(name="backstage", owner=users["alice"])
room.members.add(users["bob"])
print(json.dumps({
    "room": room.pk,
    "ids": {name: user.pk for name, user in users.items()},
    "tokens": {name: Token.objects.create(user=user).key for name, user in users.items()},
}))
"""

SAVER = """
import sys, django
django.setup()
import tests.project.model_topics  # connects the streams' signals, as an AppConfig.ready would
from django.db import transaction
from tests.project.models import Room

room = Room.objects.get(pk=int(sys.argv[1]))
for n in range(1, 6):
    with transaction.atomic():
        room.name = f"backstage-v{n}"
        room.save()
try:
    with transaction.atomic():
        room.name = "rolled-back"
        room.save()
        raise RuntimeError("roll back")
except RuntimeError:
    pass
with transaction.atomic():
    Room.objects.create(name="annex", owner_id=room.owner_id)
room.delete()
# Last: a public room of bob's, the one push the refused client may see.
Room.objects.create(name="finale", owner_id=int(sys.argv[2]), is_public=True)
print("saved")
"""


@dataclass
class World:
    room: int
    ids: dict[str, int]
    tokens: dict[str, str]
    ports: tuple[int, int]
    env: dict[str, str]


def _env(database: Path, redis_url: str) -> dict[str, str]:
    return dict(
        os.environ,
        DJANGO_SETTINGS_MODULE=SETTINGS,
        CHANX_E2E_DATABASE=str(database),
        CHANX_E2E_REDIS_URL=redis_url,
        PYTHONUNBUFFERED="1",
    )


def _python(env: dict[str, str], code: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@contextmanager
def _server(env: dict[str, str], log_path: Path) -> Iterator[int]:
    port = free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "uvicorn", "tests.project.asgi:application",
                "--port", str(port), "--log-level", "warning", "--lifespan", "off",
            ],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_for_port(port, process, "uvicorn", log_path)
        yield port
    finally:
        stop_process(process)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[World]:
    """The database migrated with three users and alice's private room; two servers."""
    workdir = tmp_path_factory.mktemp("model-streams")
    env = _env(workdir / "db.sqlite3", redis_url)
    made = json.loads(_python(env, SETUP))
    with _server(env, workdir / "a.log") as a, _server(env, workdir / "b.log") as b:
        yield World(made["room"], made["ids"], made["tokens"], (a, b), env)


class Client:
    """A ``websockets`` connection to ``/ws/streams/`` of one server, as one user."""

    def __init__(self, ws: ClientConnection, name: str) -> None:
        self.ws = ws
        self.name = name
        self._refs = 0

    @classmethod
    async def open(cls, world: World, server: int, user: str) -> Client:
        url = f"ws://127.0.0.1:{world.ports[server]}/ws/streams/"
        headers = {"Authorization": f"Token {world.tokens[user]}"}
        ws = await asyncio.wait_for(connect(url, additional_headers=headers), TIMEOUT)
        client = cls(ws, f"{user}@{'AB'[server]}")
        auth = await client.next()
        assert auth["action"] == "authentication" and auth["payload"]["status_code"] == 200
        return client

    async def next(self) -> dict[str, Any]:
        frame: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), TIMEOUT))
        return frame

    async def subscribe(self, topic: str) -> str:
        """Subscribe; the answer's action, or the error's reason."""
        self._refs += 1
        ref = str(self._refs)
        await self.ws.send(json.dumps({"topic": topic, "ref": ref, "action": "subscribe"}))
        while True:
            frame = await self.next()
            if frame.get("ref") == ref:
                assert frame["topic"] == topic
                if frame["action"] == "error":
                    return str(frame["payload"]["reason"])
                return str(frame["action"])
            raise AssertionError(f"{self.name}: a push before any save: {frame}")

    async def pushes(self, count: int) -> dict[str, list[tuple[str, Any]]]:
        """The next ``count`` pushes, by topic: (action, room name or deleted pk)."""
        by_topic: dict[str, list[tuple[str, Any]]] = {}
        for _ in range(count):
            frame = await self.next()
            assert "ref" not in frame, frame
            payload = frame["payload"]
            what = payload["pk"] if frame["action"] in ("deleted", "removed") else payload["name"]
            by_topic.setdefault(frame["topic"], []).append((frame["action"], what))
        return by_topic


async def test_saves_in_a_third_process_reach_subscribers_of_both_servers_in_commit_order(
    world: World,
) -> None:
    room, alice_id = world.room, world.ids["alice"]
    one, owned, member = f"room:{room}", f"rooms:{alice_id}", f"member-room:{room}"
    alice_a = await Client.open(world, 0, "alice")
    alice_b = await Client.open(world, 1, "alice")
    bob_b = await Client.open(world, 1, "bob")
    carol_b = await Client.open(world, 1, "carol")
    clients = [alice_a, alice_b, bob_b, carol_b]
    try:
        assert await alice_a.subscribe(one) == "subscribed"
        assert await alice_a.subscribe(owned) == "subscribed"
        assert await alice_b.subscribe(owned) == "subscribed"
        assert await bob_b.subscribe(one) == "subscribed"  # a member
        assert await bob_b.subscribe(member) == "subscribed"  # DRF object permission
        for refused in (one, owned, member):
            assert await carol_b.subscribe(refused) == "unauthorized"
        assert await carol_b.subscribe("rooms:public") == "subscribed"

        # The saver has the servers' settings: the same database file and Redis.
        saver = (SAVER, str(room), str(world.ids["bob"]))
        out = await asyncio.to_thread(_python, world.env, *saver)
        assert out.strip() == "saved"

        renamed = [("updated", f"backstage-v{n}") for n in range(1, 6)]
        gone = ("deleted", room)
        expected_alice_a = {one: [*renamed, gone], owned: [*renamed, ("created", "annex"), gone]}
        assert await alice_a.pushes(13) == expected_alice_a
        assert await alice_b.pushes(7) == {owned: expected_alice_a[owned]}
        assert await bob_b.pushes(12) == {one: [*renamed, gone], member: [*renamed, gone]}
        # The refused client's first push is the last commit's: nothing of the private
        # room's reached it before (one publisher's pushes reach a connection in order).
        assert await carol_b.pushes(1) == {"rooms:public": [("created", "finale")]}
    finally:
        for client in clients:
            await client.ws.close()
