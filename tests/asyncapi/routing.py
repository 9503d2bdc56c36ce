"""Routing of the AsyncAPI tests: nested routers, path converters and re_path kwargs."""

from __future__ import annotations

from chanx.channels.routing import URLRouter, path, re_path
from tests.asyncapi import consumers

shop_router = URLRouter(
    [
        re_path(r"^orders/(?P<order_id>\d+)/$", consumers.ShopConsumer.as_asgi()),
    ]
)

router = URLRouter(
    [
        path(
            "ws/",
            URLRouter(
                [
                    path("chat/<str:room_name>/", consumers.ChatConsumer.as_asgi()),
                    path("notes/<int:user_id>/<slug:topic>/", consumers.NotesConsumer.as_asgi()),
                    path("shop/", shop_router),
                    path("quiet/", consumers.QuietConsumer.as_asgi()),
                    path("plain/", consumers.PlainChannelsConsumer.as_asgi()),
                ]
            ),
        ),
        re_path(
            r"^legacy/chat/(?P<room_name>[a-z0-9_\-]+)\.json$", consumers.ChatConsumer.as_asgi()
        ),
    ]
)
