from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html_join

from legal.models import Acceptance
from partners import services
from partners.models import Membership, Partner, PartnerStatusChange
from portal.request_context import RequestMeta


class MembershipInline(admin.TabularInline[Membership, Partner]):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)
    readonly_fields = ("created_at",)


class StatusChangeInline(admin.TabularInline[PartnerStatusChange, Partner]):
    model = PartnerStatusChange
    extra = 0
    can_delete = False
    fields = ("changed_at", "from_status", "to_status", "changed_by", "message")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DecisionForm(forms.Form):
    message = forms.CharField(
        required=False,  # required for rejections and change requests, checked per decision
        widget=forms.Textarea({"rows": 5, "cols": 80}),
        help_text="Sent to the partner by email and shown on their dashboard.",
    )

    def __init__(self, *args: Any, message_required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.message_required = message_required
        self.fields["message"].widget.attrs["required"] = message_required

    def clean_message(self) -> str:
        message: str = self.cleaned_data.get("message", "").strip()
        if self.message_required and not message:
            raise forms.ValidationError("Write the message the partner will receive.")
        return message


DECISIONS: dict[str, tuple[str, bool]] = {
    Partner.Status.APPROVED: ("Approve", False),
    Partner.Status.REJECTED: ("Reject", True),
    Partner.Status.CHANGES_REQUESTED: ("Request changes", True),
}


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin[Partner]):
    list_display = ("legal_name", "partner_type", "status", "gpid", "submitted_at")
    list_filter = ("status", "partner_type", "handles_phi")
    search_fields = ("legal_name", "gpid", "npi", "contact_email", "memberships__user__email")
    readonly_fields = (
        "gpid",
        "status",
        "review_message",
        "submitted_at",
        "created_at",
        "updated_at",
        "requested_categories",
        "agreements",
        "sandbox_activity",
    )
    fieldsets = (
        (
            "Organization",
            {
                "fields": (
                    "legal_name",
                    "gpid",
                    "partner_type",
                    "status",
                    "review_message",
                    "contact_name",
                    "contact_email",
                    "phone",
                    "npi",
                    "website",
                )
            },
        ),
        (
            "Integration",
            {"fields": ("use_case", "requested_categories", "data_direction", "expected_volume", "handles_phi")},
        ),
        ("Access", {"fields": ("allowed_categories",)}),
        ("Review", {"fields": ("agreements", "sandbox_activity", "submitted_at", "created_at", "updated_at")}),
    )
    inlines = (MembershipInline, StatusChangeInline)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ("approve_selected", "reject_selected", "request_changes_selected")
    change_form_template = "admin/partners/partner/change_form.html"

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        obj = context.get("original")
        if obj is not None:
            context["decisions"] = [
                (reverse("admin:partners_partner_decide", args=[obj.pk, d]), label)
                for d, (label, _) in DECISIONS.items()
                if obj.status in services.allowed_sources(d)
            ]
        return super().render_change_form(request, context, *args, **kwargs)

    @admin.display(description="Signed agreements")
    def agreements(self, obj: Partner) -> str:
        rows = Acceptance.objects.for_partner(obj).select_related("document")
        if not rows:
            return "None"
        return format_html_join(
            "",
            "<div>{} v{} — {}, {}</div>",
            ((a.document.title, a.document.version, a.signer_name, f"{a.accepted_at:%Y-%m-%d}") for a in rows),
        )

    @admin.display(description="Sandbox activity")
    def sandbox_activity(self, obj: Partner) -> str:
        events = obj.audit_events.order_by("-occurred_at")[:10]
        if not events:
            return "No activity yet."
        return format_html_join(
            "",
            "<div>{} · {} · {}</div>",
            ((f"{e.occurred_at:%Y-%m-%d %H:%M}", e.action, e.actor_label) for e in events),
        )

    def get_urls(self) -> list[URLPattern]:
        decide = self.admin_site.admin_view(self.decide_view)
        return [path("<int:pk>/decide/<str:decision>/", decide, name="partners_partner_decide"), *super().get_urls()]

    def decide_view(self, request: HttpRequest, pk: int, decision: str) -> HttpResponse:
        """The change page's Approve / Reject / Request changes buttons."""
        if decision not in DECISIONS or not self.has_change_permission(request):
            return redirect("admin:partners_partner_change", pk)
        partner = get_object_or_404(Partner, pk=pk)
        queryset = Partner.objects.filter(pk=partner.pk)
        if request.method != "POST":
            form = DecisionForm(message_required=DECISIONS[decision][1])
            return self._decision_page(request, queryset, decision, form, action="")
        return self._decide(request, queryset, decision, action="") or redirect("admin:partners_partner_change", pk)

    def _decision_page(
        self, request: HttpRequest, queryset: QuerySet[Partner], decision: str, form: DecisionForm, action: str
    ) -> HttpResponse:
        label = DECISIONS[decision][0]
        context = {
            **self.admin_site.each_context(request),
            "title": f"{label}: write a message",
            "form": form,
            "partners": queryset,
            "action": action,
            "label": label,
            "opts": self.model._meta,
        }
        return render(request, "admin/partners/partner/decision.html", context)

    def _decide(
        self, request: HttpRequest, queryset: QuerySet[Partner], decision: str, action: str | None = None
    ) -> HttpResponse | None:
        label, needs_message = DECISIONS[decision]
        message = ""
        if needs_message or "apply" in request.POST:  # approving from the list needs no form
            form = DecisionForm(request.POST if "apply" in request.POST else None, message_required=needs_message)
            if not form.is_valid():
                action = request.POST.get("action", "") if action is None else action
                return self._decision_page(request, queryset, decision, form, action)
            message = form.cleaned_data["message"]
        staff = request.user
        if not isinstance(staff, User):
            return None
        done = 0
        for partner in queryset:
            try:
                services.review_application(
                    partner=partner, decision=decision, by=staff, message=message, meta=RequestMeta.of(request)
                )
                done += 1
            except ValidationError as exc:
                self.message_user(request, f"{partner.legal_name}: {' '.join(exc.messages)}", messages.ERROR)
        if done:
            self.message_user(request, f"{label}: {done} application(s) updated and the partners emailed.")
        return None

    @admin.action(description="Approve selected applications")
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Partner]) -> HttpResponse | None:
        return self._decide(request, queryset, Partner.Status.APPROVED)

    @admin.action(description="Reject selected applications")
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[Partner]) -> HttpResponse | None:
        return self._decide(request, queryset, Partner.Status.REJECTED)

    @admin.action(description="Request changes to selected applications")
    def request_changes_selected(self, request: HttpRequest, queryset: QuerySet[Partner]) -> HttpResponse | None:
        return self._decide(request, queryset, Partner.Status.CHANGES_REQUESTED)
