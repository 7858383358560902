"""Dashboard pages for OAuth 2.0 clients: list, register (secret shown once), rotate, disable."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from lib import once
from lib.errors import Refused, message_of
from lib.request_context import RequestMeta
from partners.context import partner_view
from partners.models import Membership
from partners.permissions import Action, can
from scopes.data import OAUTH2
from tokens import services
from tokens.forms import ScopeChoiceForm
from tokens.models import OAuthClient


class ClientForm(ScopeChoiceForm):
    scope_method = OAUTH2
    name = forms.CharField(label="Name", max_length=100, help_text="What uses it, e.g. “nightly claims export”.")
    auth_method = forms.ChoiceField(
        label="Client authentication",
        choices=[
            (OAuthClient.AuthMethod.BASIC, "client_secret_basic (HTTP Basic)"),
            (OAuthClient.AuthMethod.POST, "client_secret_post (in the form body)"),
            (OAuthClient.AuthMethod.PRIVATE_KEY_JWT, "private_key_jwt (signed assertion, no shared secret)"),
        ],
        widget=forms.RadioSelect,
        initial=OAuthClient.AuthMethod.BASIC,
    )
    jwks = forms.CharField(
        label="Public keys (JWK Set)",
        required=False,
        widget=forms.Textarea({"rows": 5, "spellcheck": "false"}),
        help_text='For private_key_jwt only: {"keys": [...]} with RSA (2048+ bits, RS384) or EC P-384 (ES384) '
        "public keys. Sign assertions with aud = this portal's /oauth/token and exp at most 5 minutes ahead.",
    )
    jwks_uri = forms.CharField(
        label="…or the URL of your JWK Set",
        required=False,
        max_length=2000,
        widget=forms.URLInput({"placeholder": "https://example.org/.well-known/jwks.json", "spellcheck": "false"}),
        help_text="For private_key_jwt only, instead of pasting the keys: an https:// URL we fetch (and cache for "
        "5 minutes), so you can rotate keys without coming back here.",
    )


def _show_secret(request: HttpRequest, client: OAuthClient, secret: str, title: str, note: str = "") -> None:
    once.keep(
        request,
        page="clients",
        title=title,
        what="client secret",
        secret=secret,
        note=note,
        public_label="client_id",
        public_value=client.client_id,
        no_secret="No shared secret: authenticate with private_key_jwt assertions signed by your registered key.",  # noqa: S106
    )


@never_cache
@require_http_methods(["GET", "POST"])
@partner_view(Action.VIEW)
def client_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    partner = membership.partner
    form = ClientForm(request.POST or None, partner=partner)
    if request.method == "POST" and not can(membership.role, Action.MANAGE_CREDENTIALS):
        raise PermissionDenied("Your role cannot create credentials.")
    if request.method == "POST" and form.is_valid():
        try:
            created = services.create_oauth_client(
                partner=partner,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                auth_method=form.cleaned_data["auth_method"],
                by=membership.user,
                meta=RequestMeta.of(request),
                jwks=form.cleaned_data["jwks"] or None,
                jwks_uri=form.cleaned_data["jwks_uri"],
            )
        except (ValidationError, Refused) as exc:
            form.attach(exc)
        else:
            _show_secret(request, created.client, created.secret, f"Client “{created.client.name}” registered.")
            return redirect("tokens:clients")
    return render(
        request,
        "tokens/clients.html",
        {
            "partner": partner,
            "form": form,
            "manage": can(membership.role, Action.MANAGE_CREDENTIALS),
            "shown": once.take(request, page="clients"),
            "clients": OAuthClient.objects.active().filter(partner=partner).order_by("-created"),
        },
    )


@require_http_methods(["GET", "POST"])
@partner_view(Action.MANAGE_CREDENTIALS)
def client_disable(request: HttpRequest, membership: Membership, client_id: str) -> HttpResponse:
    client = get_object_or_404(OAuthClient.objects.active().filter(partner=membership.partner), client_id=client_id)
    if request.method == "GET":
        return render(request, "tokens/client_disable.html", {"client": client})
    services.disable_oauth_client(client=client, by=membership.user, meta=RequestMeta.of(request))
    messages.success(request, f"OAuth client “{client.name}” disabled; its tokens no longer work.")
    return redirect("tokens:clients")


@require_http_methods(["GET", "POST"])
@partner_view(Action.MANAGE_CREDENTIALS)
def client_rotate(request: HttpRequest, membership: Membership, client_id: str) -> HttpResponse:
    client = get_object_or_404(OAuthClient.objects.active().filter(partner=membership.partner), client_id=client_id)
    if request.method == "GET":
        return render(request, "tokens/client_rotate.html", {"client": client})
    revoke_previous = request.POST.get("revoke_previous") == "1"
    try:
        secret = services.rotate_client_secret(
            client=client, by=membership.user, meta=RequestMeta.of(request), revoke_previous=revoke_previous
        )
    except ValidationError as exc:
        messages.error(request, message_of(exc))
        return redirect("tokens:clients")
    note = (
        "The previous secret and every access token issued with it stopped working now."
        if revoke_previous
        else "The previous secret keeps working for 24 hours."
    )
    _show_secret(request, client, secret, f"New secret for “{client.name}”.", note)
    return redirect("tokens:clients")
