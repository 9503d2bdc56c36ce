"""Models of the test project, used by the chanx-drf and the model stream tests."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Room(models.Model):
    """A chat room: its owner and members may join it; only the owner may change it."""

    name = models.SlugField(unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="owned_rooms"
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="rooms", blank=True)
    is_public = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.name
