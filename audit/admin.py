from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    """Read-only: staff read the trail, nobody edits it."""

    list_display = ("occurred_at", "action", "actor_label", "partner_gpid", "object_type", "object_id", "outcome")
    list_filter = ("outcome", "action")
    search_fields = ("action", "actor_label", "partner_gpid", "object_id", "request_id", "client_id")
    date_hierarchy = "occurred_at"
    list_select_related = ("partner",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
