from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from webhooks.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin[Event]):
    list_display = ("public_id", "type", "partner", "created_at")
    list_filter = ("type",)
    search_fields = ("public_id", "partner__gpid", "partner__legal_name")
    readonly_fields = ("public_id", "partner", "type", "body", "created_at")
    list_select_related = ("partner",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False
