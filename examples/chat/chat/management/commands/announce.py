"""``manage.py announce ROOM TEXT``: send an announcement to a room from the command line."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from chat.consumers import ChatConsumer, room_group
from chat.messages import AnnouncementEvent, Text


class Command(BaseCommand):
    help = "Send an announcement to everyone in a chat room."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("room")
        parser.add_argument("text")

    def handle(self, *args: Any, **options: Any) -> None:
        event = AnnouncementEvent(payload=Text(text=options["text"]))
        ChatConsumer.broadcast_event_sync(event, room_group(options["room"]))
        self.stdout.write(f"announced to {options['room']}")
