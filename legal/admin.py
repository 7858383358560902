from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from legal import services
from legal.models import Acceptance, LegalDocument
from lib.admin import staff_user
from lib.request_context import RequestMeta


@admin.register(LegalDocument)
class LegalDocumentAdmin(admin.ModelAdmin[LegalDocument]):
    """Published versions are read-only: a new version is a reviewed file plus `publish_legal`."""

    list_display = ("title", "version", "is_current", "requirement", "section_count", "effective_date", "short_hash")
    list_filter = ("kind", "is_current", "requirement")
    search_fields = ("title", "version", "file_name", "sha256")

    @admin.display(description="SHA-256")
    def short_hash(self, obj: LegalDocument) -> str:
        return obj.sha256[:12] + "…"

    def get_readonly_fields(self, request: HttpRequest, obj: LegalDocument | None = None) -> list[str]:
        return [f.name for f in LegalDocument._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: LegalDocument | None = None) -> bool:
        return False


class CountersignedFilter(admin.SimpleListFilter):
    title = "counter-signed"
    parameter_name = "countersigned"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Counter-signed"), ("no", "Awaiting counter-signature")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in ("yes", "no"):
            return queryset.filter(countersigned_at__isnull=self.value() == "no")
        return queryset


@admin.register(Acceptance)
class AcceptanceAdmin(admin.ModelAdmin[Acceptance]):
    list_display = ("partner", "document", "signer_name", "signer_title", "accepted_at", "countersigned_at")
    list_filter = ("document__kind", "document__version", CountersignedFilter)
    search_fields = ("partner__legal_name", "partner__gpid", "signer_name", "signer__email", "public_id")
    list_select_related = ("partner", "document")
    date_hierarchy = "accepted_at"
    actions = ("countersign_selected",)

    def get_readonly_fields(self, request: HttpRequest, obj: Acceptance | None = None) -> list[str]:
        return [f.name for f in Acceptance._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Acceptance | None = None) -> bool:
        return False

    def has_countersign_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(services.COUNTERSIGN_PERMISSION)

    @admin.action(description="Counter-sign selected acceptances", permissions=["countersign"])
    def countersign_selected(self, request: HttpRequest, queryset: QuerySet[Acceptance]) -> None:
        staff = staff_user(request)
        done = 0
        for acceptance in queryset.filter(countersigned_at__isnull=True):
            services.countersign(acceptance=acceptance, by=staff, meta=RequestMeta.of(request))
            done += 1
        self.message_user(request, f"Counter-signed {done} acceptance(s).", messages.SUCCESS)
