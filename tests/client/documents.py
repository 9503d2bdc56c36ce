"""The AsyncAPI documents the client generator is tested on, from every source it must read.

- ``chanx_test_document()``: built in-process by chanx-asyncapi from tests/asyncapi's consumers
  (parameters, replies, an enum action, two models both called ``Item``).
- ``chat_example_document(path)``: the chat example's own document (with its ``hub`` topics),
  written by the example's ``manage.py generate_asyncapi_schema``.
- ``FIXTURES / "topics.json"``: hand-written, with ``x-topic`` channels, a multiplexed route and
  awkward names (keywords, aliases, recursion, unions).
- ``FIXTURES / "upstream_client_generation_schema.json"``: published by upstream chanx (NOTICE).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chanx.asyncapi.generator import WebSocketRoute, generate_document
from tests.asyncapi import consumers
from tests.e2e.servers import manage

FIXTURES = Path(__file__).with_name("fixtures")
TOPICS = FIXTURES / "topics.json"
UPSTREAM = FIXTURES / "upstream_client_generation_schema.json"


def chanx_test_document() -> dict[str, Any]:
    """The document chanx-asyncapi writes for tests/asyncapi's consumers."""
    routes = [
        WebSocketRoute(
            "/ws/chat/{room_name}/", consumers.ChatConsumer, parameters={"room_name": "Room."}
        ),
        WebSocketRoute("/ws/notes/", consumers.NotesConsumer),
        WebSocketRoute("/ws/shop/orders/{order_id}/", consumers.ShopConsumer),
        WebSocketRoute("/ws/quiet/", consumers.QuietConsumer),
    ]
    return generate_document(routes).to_dict()


def chat_example_document(target: Path) -> Path:
    """Write the chat example's document to ``target`` (the example's own command)."""
    manage(target.with_suffix(".sqlite3"), "generate_asyncapi_schema", "--file", str(target))
    return target
