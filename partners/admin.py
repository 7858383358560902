from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html_join

from lib.admin import staff_user
from lib.errors import message_of
from lib.request_context import RequestMeta
from partners import services
from partners.models import Membership, Partner, PartnerStatusChange
from scopes.catalog import CATEGORIES_BY_SLUG


class _ReadOnlyInline:
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MembershipInline(_ReadOnlyInline, admin.TabularInline[Membership, Partner]):
    """Read-only: members join by invitation and change roles on the team page."""

    model = Membership
    fields = ("user", "role", "created_at")
    readonly_fields = fields


class StatusChangeInline(_ReadOnlyInline, admin.TabularInline[PartnerStatusChange, Partner]):
    model = PartnerStatusChange
    fields = ("changed_at", "from_status", "to_status", "changed_by", "message")
    readonly_fields = fields


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


class PartnerForm(forms.ModelForm[Partner]):
    allowed_categories = forms.MultipleChoiceField(
        label="Allowed scope categories",
        choices=[(slug, category.name) for slug, category in CATEGORIES_BY_SLUG.items()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Credentials may carry scopes of these categories only. Removing one takes its scopes off "
        "every live credential at once.",
    )

    website = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = Partner
        fields = services.STAFF_EDITABLE_FIELDS

    def clean(self) -> dict[str, Any]:
        """The service's own checks, so a refused edit is an error on this form (the
        model form's unique checks are the service's too)."""
        data = super().clean() or {}
        if self.instance.pk is not None and not self.errors:
            try:
                services.check_partner_changes(self.instance, {f: data[f] for f in self.changed_data if f in data})
            except ValidationError as exc:
                for field, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
                    self.add_error(field if field in self.fields else None, errors)
        return data


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
    form = PartnerForm
    actions = ("approve_selected", "reject_selected", "request_changes_selected", "release_name_selected")
    change_form_template = "admin/partners/partner/change_form.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # partners apply through /signup/ (or seed_demo)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # their audit trail keeps them; reject instead

    def has_review_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(services.REVIEW_PERMISSION)

    def save_model(self, request: HttpRequest, obj: Partner, form: Any, change: bool) -> None:
        """Through the service: audited with before and after; a narrowed allowance
        narrows live credentials. (The admin's own object is not saved directly.)"""
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        partner = Partner.objects.get(pk=obj.pk)
        try:
            updated = services.update_partner(
                partner=partner, by=staff_user(request), changes=changes, meta=RequestMeta.of(request)
            )
        except ValidationError as exc:
            self.message_user(request, message_of(exc), messages.ERROR)
            return
        obj.refresh_from_db()
        form.instance = updated

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
        rows = obj.acceptances.select_related("document").order_by("-accepted_at")
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
        if decision not in DECISIONS or not self.has_review_permission(request):
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
        staff = staff_user(request)
        done = 0
        for partner in queryset:
            try:
                services.review_application(
                    partner=partner, decision=decision, by=staff, message=message, meta=RequestMeta.of(request)
                )
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, f"{partner.legal_name}: {message_of(exc)}", messages.ERROR)
        if done:
            self.message_user(request, f"{label}: {done} application(s) updated and the partners emailed.")
        return None

    @admin.action(description="Approve selected applications", permissions=["review"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Partner]) -> HttpResponse | None:
        return self._decide(request, queryset, Partner.Status.APPROVED)

    @admin.action(description="Reject selected applications", permissions=["review"])
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[Partner]) -> HttpResponse | None:
        return self._decide(request, queryset, Partner.Status.REJECTED)

    @admin.action(description="Request changes to selected applications", permissions=["review"])
    def request_changes_selected(self, request: HttpRequest, queryset: QuerySet[Partner]) -> HttpResponse | None:
        return self._decide(request, queryset, Partner.Status.CHANGES_REQUESTED)

    @admin.action(description="Release legal name and NPI (let another application use them)", permissions=["review"])
    def release_name_selected(self, request: HttpRequest, queryset: QuerySet[Partner]) -> None:
        staff, meta = staff_user(request), RequestMeta.of(request)
        for partner in queryset:
            services.release_name(partner=partner, by=staff, meta=meta)
        self.message_user(request, f"Released the legal name and NPI of {queryset.count()} partner(s).")
