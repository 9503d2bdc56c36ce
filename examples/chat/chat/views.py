"""HTTP views: the chat page, the hub page and a server-side announcement."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.generic import TemplateView, View
from rest_framework.authtoken.models import Token

from chanx.channels.topics import publish_to_topic_sync
from chat.consumers import ChatConsumer, room_group
from chat.messages import AnnouncementEvent, Text
from chat.topics import RoomTopic


class ChatPageView(LoginRequiredMixin, TemplateView):
    """The chat page (plain JavaScript, no build step)."""

    template_name = "chat/index.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["room"] = self.request.GET.get("room", "lobby")
        return context


class HubPageView(LoginRequiredMixin, TemplateView):
    """Every room on one socket: the live room list and any number of open rooms.

    The page (``chat/hub.js``, plain JavaScript) receives the list and each room as a
    topic of the hub's one WebSocket, through the generated client's topic handles.
    """

    template_name = "chat/hub.html"


class AnnounceView(LoginRequiredMixin, View):
    """POST text=... to send an announcement event to a room from ordinary Django code."""

    def post(self, request: HttpRequest, room: str) -> HttpResponse:
        text = request.POST.get("text", "").strip()
        if not text:
            return JsonResponse({"error": "text is required"}, status=400)
        announcement = AnnouncementEvent(payload=Text(text=text))
        ChatConsumer.broadcast_event_sync(announcement, room_group(room))
        # The same room on the hub page, where rooms are topics.
        publish_to_topic_sync(RoomTopic, RoomTopic.topic_name(name=room), announcement)
        return JsonResponse({"sent": True})


def token_for(username: str) -> str:
    """The API token of a user (created on first use), for non-browser clients."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=username)
    return str(Token.objects.get_or_create(user=user)[0].key)
