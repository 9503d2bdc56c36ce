"""Each connection has its own ``groups``: what one connection adds never reaches the next."""

from __future__ import annotations

import asyncio

import pytest

from chanx.channels.routing import URLRouter, re_path
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import event_handler
from tests.channels.helpers import collect, connect
from tests.project.messages import Notification, NotifyEvent, TextPayload

pytestmark = pytest.mark.django_db(transaction=True)


class PrivateInboxConsumer(AsyncJsonWebsocketConsumer):
    """Upstream chanx's pattern: a per-user group appended in ``post_authentication``."""

    groups = ["everyone"]

    async def post_authentication(self) -> None:
        self.groups.append(f"user_{self.url_kwargs['user']}")

    @event_handler
    async def on_notify(self, event: NotifyEvent) -> Notification:
        return Notification(payload=event.payload)


router = URLRouter([re_path(r"^ws/inbox/(?P<user>\w+)/$", PrivateInboxConsumer.as_asgi())])


async def test_groups_appended_by_one_connection_do_not_leak_into_the_next() -> None:
    alice = await connect("/ws/inbox/alice/", router)
    bob = await connect("/ws/inbox/bob/", router)
    assert PrivateInboxConsumer.groups == ["everyone"], "the class's list was changed"

    await PrivateInboxConsumer.broadcast_event(
        NotifyEvent(payload=TextPayload(text="for alice only")), "user_alice"
    )
    frames = await collect(alice, stop="event_complete")
    assert frames[0] == {"action": "notification", "payload": {"text": "for alice only"}}
    # Bob must not get it: a marker sent to him afterwards is the first thing he receives.
    await PrivateInboxConsumer.broadcast_event(
        NotifyEvent(payload=TextPayload(text="for bob")), "user_bob"
    )
    frames = await collect(bob, stop="event_complete")
    assert frames[0] == {"action": "notification", "payload": {"text": "for bob"}}

    # The shared group still reaches both.
    await PrivateInboxConsumer.broadcast_event(
        NotifyEvent(payload=TextPayload(text="all")), "everyone"
    )
    for ws in (alice, bob):
        frames = await collect(ws, stop="event_complete")
        assert frames[0]["payload"] == {"text": "all"}
    await asyncio.gather(alice.disconnect(), bob.disconnect())
