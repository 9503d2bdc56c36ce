"""The chat app."""

from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"

    def ready(self) -> None:
        # Connects the room streams' signals in every process, not only in servers
        # (which import them with the routing): saves from the admin, the shell or a
        # command push to the hub pages too.
        from chat import streams  # noqa: F401
