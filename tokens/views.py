"""Dashboard pages for API tokens: list, create (secret shown once), revoke."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from lib import once
from lib.errors import Refused
from lib.request_context import RequestMeta
from partners.context import partner_view
from partners.models import Membership
from partners.permissions import Action, can
from tokens import services
from tokens.forms import ScopeChoiceForm
from tokens.models import ApiToken

EXPIRY_CHOICES = [
    ("30", "30 days"),
    ("90", "90 days (recommended)"),
    ("180", "180 days"),
    ("365", "1 year"),
    ("never", "Never (sandbox only)"),
]


class TokenForm(ScopeChoiceForm):
    name = forms.CharField(label="Name", max_length=100, help_text="What uses it, e.g. “claims-sync worker”.")
    environment = forms.ChoiceField(
        label="Environment",
        choices=ApiToken.Environment.choices,
        initial=ApiToken.Environment.SANDBOX,
        widget=forms.RadioSelect,
    )
    expiry = forms.ChoiceField(label="Expires after", choices=EXPIRY_CHOICES, initial="90")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("expiry") == "never" and data.get("environment") != ApiToken.Environment.SANDBOX:
            self.add_error("expiry", "Only sandbox tokens may never expire.")
        return data


@never_cache
@require_http_methods(["GET", "POST"])
@partner_view(Action.VIEW)
def token_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    partner = membership.partner
    form = TokenForm(request.POST or None, partner=partner)
    if request.method == "POST" and not can(membership.role, Action.MANAGE_CREDENTIALS):
        raise PermissionDenied("Your role cannot create credentials.")
    if request.method == "POST" and form.is_valid():
        expiry = form.cleaned_data["expiry"]
        try:
            created = services.create_api_token(
                partner=partner,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                environment=form.cleaned_data["environment"],
                expires_in_days=None if expiry == "never" else int(expiry),
                by=membership.user,
                meta=RequestMeta.of(request),
            )
        except (ValidationError, Refused) as exc:
            form.attach(exc)
        else:
            # Post/Redirect/Get: reloading must not create a second token.
            once.keep(
                request,
                page="tokens",
                title=f"Token “{created.token.name}” created.",
                what="token",
                secret=created.secret,
            )
            return redirect("tokens:list")
    tokens = ApiToken.objects.api_keys().active().filter(partner=partner).select_related("created_by")
    return render(
        request,
        "tokens/list.html",
        {
            "partner": partner,
            "form": form,
            "tokens": tokens,
            "shown": once.take(request, page="tokens"),
            "manage": can(membership.role, Action.MANAGE_CREDENTIALS),
        },
    )


@require_http_methods(["GET", "POST"])
@partner_view(Action.MANAGE_CREDENTIALS)
def token_revoke(request: HttpRequest, membership: Membership, token_id: str) -> HttpResponse:
    token = get_object_or_404(
        ApiToken.objects.api_keys().active().filter(partner=membership.partner), public_id=token_id
    )
    if request.method == "GET":
        return render(request, "tokens/revoke_confirm.html", {"token": token})
    services.revoke_api_token(
        token=token, by=membership.user, reason=ApiToken.RevokeReason.USER_REQUEST, meta=RequestMeta.of(request)
    )
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("tokens:list")
