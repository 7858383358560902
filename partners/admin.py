from __future__ import annotations

from django.contrib import admin

from partners.models import Membership, Partner


class MembershipInline(admin.TabularInline[Membership, Partner]):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)
    readonly_fields = ("created_at",)


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin[Partner]):
    list_display = ("legal_name", "partner_type", "status", "gpid", "created_at")
    list_filter = ("status", "partner_type")
    search_fields = ("legal_name", "gpid", "memberships__user__email")
    readonly_fields = ("gpid", "created_at", "updated_at")
    inlines = (MembershipInline,)
