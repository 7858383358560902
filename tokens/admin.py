"""Staff see every credential (never a secret) and change them only through the services:
revoke, disable, designate gateways, change a client's scopes. Nothing is edited in place."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse

from lib.admin import staff_user
from lib.request_context import RequestMeta
from scopes.data import OAUTH2
from tokens import rules, services
from tokens.models import ApiToken, OAuthClient


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


_SHOWN_TOKEN_FIELDS: tuple[str, ...] = tuple(
    f.name for f in ApiToken._meta.fields if f.name not in ("id", "secret_hash", "lookup")
)


@admin.register(ApiToken)
class ApiTokenAdmin(_ReadOnly, admin.ModelAdmin[ApiToken]):
    list_display = ("name", "partner", "kind", "prefix", "environment", "created_at", "last_used_at", "revoked_at")
    list_filter = ("kind", "environment", "revoked_reason")
    search_fields = ("name", "public_id", "prefix", "partner__gpid", "partner__legal_name", "created_by__email")
    list_select_related = ("partner",)
    readonly_fields = _SHOWN_TOKEN_FIELDS
    fields = _SHOWN_TOKEN_FIELDS
    actions = ("revoke_selected",)

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(services.TOKEN_STAFF_PERMISSION)

    @admin.action(description="Revoke selected tokens (reason: admin_action)", permissions=["revoke"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        staff, meta = staff_user(request), RequestMeta.of(request)
        tokens = list(queryset.filter(revoked_at__isnull=True).select_related("partner"))
        for token in tokens:
            services.revoke_api_token(token=token, by=staff, reason=ApiToken.RevokeReason.ADMIN_ACTION, meta=meta)
        self.message_user(
            request, f"Revoked {len(tokens)} token(s); the partners' webhooks are notified.", messages.SUCCESS
        )


class ClientScopesForm(forms.Form):
    scopes = forms.MultipleChoiceField(label="Scopes", widget=forms.CheckboxSelectMultiple, required=True)

    def __init__(self, *args: Any, client: OAuthClient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["scopes"]
        assert isinstance(field, forms.MultipleChoiceField)  # noqa: S101 - declared above
        field.choices = [
            (s.code, f"{s.code} — {s.description[:90]}")
            for g in rules.choices(client.partner, OAUTH2)
            for s in g.scopes
        ]
        field.help_text = "Within the partner's allowance. Removing a scope deletes the client's access tokens."


class OAuthClientAdmin(_ReadOnly, admin.ModelAdmin[OAuthClient]):
    """Registered by django-oauth-toolkit (APPLICATION_ADMIN_CLASS). Secrets are never
    shown or typed in here."""

    list_display = (
        "name",
        "client_id",
        "partner",
        "token_endpoint_auth_method",
        "is_resource_server",
        "created",
        "disabled_at",
    )
    list_filter = ("token_endpoint_auth_method", "environment", "is_resource_server")
    search_fields = ("name", "client_id", "partner__gpid", "partner__legal_name")
    list_select_related = ("partner",)
    fields = (
        "name",
        "client_id",
        "partner",
        "environment",
        "scopes",
        "token_endpoint_auth_method",
        "jwks",
        "jwks_uri",
        "is_resource_server",
        "created_by",
        "created",
        "disabled_at",
    )
    readonly_fields = fields
    actions = ("disable_selected", "make_resource_server", "unmake_resource_server")
    change_form_template = "admin/tokens/oauthclient/change_form.html"

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.has_perm("tokens.view_oauthclient") or self.has_manage_permission(request)

    def has_manage_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(services.CLIENT_STAFF_PERMISSION)

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        obj = context.get("original")
        if obj is not None and obj.is_active and self.has_manage_permission(request):
            context["scopes_url"] = reverse("admin:tokens_oauthclient_scopes", args=[obj.pk])
        return super().render_change_form(request, context, *args, **kwargs)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.scopes_view)
        return [path("<int:pk>/scopes/", view, name="tokens_oauthclient_scopes"), *super().get_urls()]

    def scopes_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Change a client's scopes through the service (allowance checked, tokens cleaned up)."""
        if not self.has_manage_permission(request):
            raise PermissionDenied
        client = get_object_or_404(OAuthClient.objects.active(), pk=pk)
        form = ClientScopesForm(request.POST or None, client=client, initial={"scopes": client.scopes})
        if request.method == "POST" and form.is_valid():
            try:
                services.update_oauth_client(
                    client=client,
                    scopes=form.cleaned_data["scopes"],
                    by=staff_user(request),
                    meta=RequestMeta.of(request),
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error("scopes", message)
            else:
                self.message_user(request, f"Scopes of “{client.name}” saved.", messages.SUCCESS)
                return redirect("admin:tokens_oauthclient_change", client.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Scopes of “{client.name}”",
            "form": form,
            "client": client,
            "opts": self.model._meta,
        }
        return render(request, "admin/tokens/oauthclient/scopes.html", context)

    @admin.action(
        description="Disable selected clients and revoke their tokens (reason: admin_action)", permissions=["manage"]
    )
    def disable_selected(self, request: HttpRequest, queryset: QuerySet[OAuthClient]) -> None:
        staff, meta = staff_user(request), RequestMeta.of(request)
        clients = list(queryset.filter(disabled_at__isnull=True))
        for client in clients:
            services.disable_oauth_client(client=client, by=staff, reason=ApiToken.RevokeReason.ADMIN_ACTION, meta=meta)
        self.message_user(request, f"Disabled {len(clients)} client(s).", messages.SUCCESS)

    def _set_resource_server(self, request: HttpRequest, queryset: QuerySet[OAuthClient], flag: bool) -> None:
        staff, meta = staff_user(request), RequestMeta.of(request)
        for client in queryset:
            services.set_resource_server(client=client, resource_server=flag, by=staff, meta=meta)
        what = "may now introspect tokens" if flag else "are ordinary clients again"
        self.message_user(request, f"{queryset.count()} client(s) {what}.", messages.SUCCESS)

    @admin.action(description="Designate as resource server (may introspect, holds no tokens)", permissions=["manage"])
    def make_resource_server(self, request: HttpRequest, queryset: QuerySet[OAuthClient]) -> None:
        self._set_resource_server(request, queryset, True)

    @admin.action(description="Remove the resource-server designation", permissions=["manage"])
    def unmake_resource_server(self, request: HttpRequest, queryset: QuerySet[OAuthClient]) -> None:
        self._set_resource_server(request, queryset, False)
