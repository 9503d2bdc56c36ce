"""Generating an AsyncAPI document without Django, and a custom route discovery class."""

# --8<-- [start:generate]
from chanx.asyncapi import WebSocketRoute, generate_document, render_document, server_from_url
from docs.snippets.rooms import RoomConsumer


def room_api_yaml() -> str:
    document = generate_document(
        [WebSocketRoute("/ws/rooms/{room}/", RoomConsumer, parameters={"room": "Room name."})],
        title="Rooms",
        version="1.0.0",
        servers={"production": server_from_url("wss://chat.example.com")},
    )
    return render_document(document.to_dict(), "yaml")


# --8<-- [end:generate]


# --8<-- [start:discovery]
class RoomsOnly:
    """Documents only the rooms endpoint, whatever ASGI_APPLICATION routes."""

    def discover(self) -> list[WebSocketRoute]:
        return [WebSocketRoute("/ws/rooms/{room}/", RoomConsumer)]


# --8<-- [end:discovery]
