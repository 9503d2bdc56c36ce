"""Fixtures of the chanx-drf tests: users with tokens, a room, a logged-in session."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.drf.authenticators import SIDE_EFFECTS
from tests.drf.consumers import ProbeConsumer
from tests.project.models import Room


@dataclass
class People:
    alice: User  # owns the room "general"
    bob: User  # member of "general"
    carol: User  # no room
    tokens: dict[str, str]

    def token_header(self, username: str) -> list[tuple[bytes, bytes]]:
        return [(b"authorization", f"Token {self.tokens[username]}".encode())]


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # The default PBKDF2 hasher takes a large part of a second per password.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def people(transactional_db: None) -> People:
    users = {
        name: User.objects.create_user(name, password=f"{name}-password")
        for name in ("alice", "bob", "carol")
    }
    room = Room.objects.create(name="general", owner=users["alice"])
    room.members.add(users["bob"])
    tokens = {name: Token.objects.create(user=user).key for name, user in users.items()}
    return People(users["alice"], users["bob"], users["carol"], tokens)


@pytest.fixture
def session_cookie(people: People) -> str:
    """The ``Cookie`` header of a browser that logged in as bob through Django's login."""
    client = Client()
    assert client.login(username="bob", password="bob-password")
    return f"sessionid={client.cookies['sessionid'].value}"


@pytest.fixture(autouse=True)
def _clean_slate() -> Iterator[None]:
    ProbeConsumer.handled.clear()
    SIDE_EFFECTS.clear()
    cache.clear()
    yield
