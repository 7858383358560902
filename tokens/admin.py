from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest

from portal.request_context import RequestMeta
from tokens import services
from tokens.models import ApiToken, OAuthClient


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(_ReadOnly, admin.ModelAdmin[ApiToken]):
    """Staff see every credential (never a secret) and can revoke them: reason admin_action."""

    list_display = ("name", "partner", "kind", "prefix", "environment", "created_at", "last_used_at", "revoked_at")
    list_filter = ("kind", "environment", "revoked_reason")
    search_fields = ("name", "public_id", "prefix", "partner__gpid", "partner__legal_name", "created_by__email")
    list_select_related = ("partner",)
    readonly_fields = [f.name for f in ApiToken._meta.fields if f.name != "secret_hash"]
    exclude = ("secret_hash",)
    actions = ("revoke_selected",)

    @admin.action(description="Revoke selected tokens (reason: admin_action)")
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        staff = request.user if isinstance(request.user, User) else None
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            services.revoke_api_token(
                token=token, by=staff, reason=ApiToken.RevokeReason.ADMIN_ACTION, meta=RequestMeta.of(request)
            )
        self.message_user(
            request, f"Revoked {len(tokens)} token(s); the partners' webhooks are notified.", messages.SUCCESS
        )


class OAuthClientAdmin(_ReadOnly, admin.ModelAdmin[OAuthClient]):
    """Registered by django-oauth-toolkit (APPLICATION_ADMIN_CLASS): staff see clients and
    disable them; secrets are never shown or typed in here."""

    list_display = ("name", "client_id", "partner", "token_endpoint_auth_method", "created", "disabled_at")
    list_filter = ("token_endpoint_auth_method", "environment")
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
        "is_resource_server",
        "created_by",
        "created",
        "disabled_at",
    )
    readonly_fields = (
        "client_id",
        "partner",
        "environment",
        "token_endpoint_auth_method",
        "jwks",
        "created_by",
        "created",
        "disabled_at",
    )
    actions = ("disable_selected",)

    @admin.action(description="Disable selected clients and revoke their tokens (reason: admin_action)")
    def disable_selected(self, request: HttpRequest, queryset: QuerySet[OAuthClient]) -> None:
        staff = request.user if isinstance(request.user, User) else None
        clients = list(queryset.filter(disabled_at__isnull=True))
        for client in clients:
            services.disable_oauth_client(
                client=client, by=staff, reason=ApiToken.RevokeReason.ADMIN_ACTION, meta=RequestMeta.of(request)
            )
        self.message_user(request, f"Disabled {len(clients)} client(s).", messages.SUCCESS)
