"""The chat's data: the rooms listed on the hub page, edited in the Django admin."""

from __future__ import annotations

from django.db import models


class Room(models.Model):
    """A listed room. Any name can be chatted in; listing one puts it on every hub page.

    The hub page shows the public rooms live (:class:`chat.streams.PublicRoomList`): a
    room saved in the admin, a shell or a command appears, changes or goes away there
    without a reload.
    """

    name = models.SlugField(
        max_length=50, unique=True, help_text="The room's topic is room:<name>."
    )
    title = models.CharField(max_length=100)
    is_public = models.BooleanField(
        default=True, help_text="Public rooms are listed on the hub page."
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name
