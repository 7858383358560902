"""The partner's application pages, the partner-types page and switching organizations."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lib.request_context import RequestMeta
from partners import services
from partners.context import SESSION_KEY, partner_view
from partners.forms import IntegrationForm, OrganizationForm
from partners.models import Membership, Partner
from partners.permissions import Action, can
from partners.types import PARTNER_TYPES
from scopes.catalog import CATEGORIES_BY_SLUG


@require_GET
def partner_types(request: HttpRequest) -> HttpResponse:
    types = [{"type": t, "categories": [CATEGORIES_BY_SLUG[s] for s in t.allowance]} for t in PARTNER_TYPES]
    return render(request, "partners/types.html", {"types": types})


@require_GET
@partner_view(Action.VIEW)
def application(request: HttpRequest, membership: Membership) -> HttpResponse:
    partner = membership.partner
    editable = partner.status == Partner.Status.CHANGES_REQUESTED and can(membership.role, Action.MANAGE_TEAM)
    return render(
        request,
        "partners/application.html",
        {
            "partner": partner,
            "editable": editable,
            "requested": [CATEGORIES_BY_SLUG[s] for s in partner.requested_categories if s in CATEGORIES_BY_SLUG],
            "allowed": [CATEGORIES_BY_SLUG[s] for s in partner.allowed_categories if s in CATEGORIES_BY_SLUG],
        },
    )


@require_http_methods(["GET", "POST"])
@partner_view(Action.MANAGE_TEAM)
def application_edit(request: HttpRequest, membership: Membership) -> HttpResponse:
    partner = membership.partner
    if partner.status != Partner.Status.CHANGES_REQUESTED:
        messages.info(request, "The application can be edited only when a reviewer asks for changes.")
        return redirect("partners:application")
    initial = {f: getattr(partner, f) for f in services.EDITABLE_FIELDS}
    initial["capabilities"] = partner.requested_categories
    data = request.POST if request.method == "POST" else None
    org = OrganizationForm(data, initial=initial, prefix="org", exclude_partner_pk=partner.pk)
    chosen_type = (data.get("org-partner_type") if data is not None else None) or partner.partner_type
    integ = IntegrationForm(data, initial=initial, prefix="integ", partner_type=chosen_type)
    if data is not None and org.is_valid() and integ.is_valid():
        try:
            services.resubmit_application(
                partner=partner,
                by=membership.user,
                changes={**org.cleaned_data, **integ.cleaned_data},
                meta=RequestMeta.of(request),
            )
        except ValidationError as exc:
            integ.add_error(None, exc)
        else:
            messages.success(request, "Application resubmitted. A reviewer will look at it again.")
            return redirect("dashboard")
    return render(request, "partners/application_edit.html", {"partner": partner, "org": org, "integ": integ})


@require_POST
@login_required
def switch_partner(request: HttpRequest) -> HttpResponse:
    """Act for another organization the user belongs to."""
    membership = Membership.objects.filter(
        user_id=request.user.pk or 0, partner__gpid=request.POST.get("partner", "")
    ).first()
    if membership is None:
        messages.error(request, "You are not a member of that organization.")
    else:
        request.session[SESSION_KEY] = membership.partner_id
        messages.success(request, f"You are now working as {membership.partner.legal_name}.")
    return redirect("dashboard")
