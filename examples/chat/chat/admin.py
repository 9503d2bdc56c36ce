"""The rooms in the Django admin: every save and delete here reaches the hub pages live."""

from __future__ import annotations

from django.contrib import admin

from chat.models import Room


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ("name", "title", "is_public", "created")
    list_editable = ("is_public",)
    search_fields = ("name", "title")
