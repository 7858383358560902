"""One bearer authentication for the management API and (later) the FHIR sandbox.

``Authorization: Bearer <token>`` resolves to a :class:`Principal`. Malformed tokens and
bad checksums are refused without a database query; valid-looking ones cost one indexed
lookup and a constant-time hash comparison.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from oauth2_provider.models import AccessToken
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from partners.models import Partner
from tokens import scopes as catalog
from tokens import secrets
from tokens.models import ApiToken

REALM = "CMS Health Tech Ecosystem"
LAST_USED_GRANULARITY = timedelta(minutes=1)


@dataclass(frozen=True)
class Principal:
    partner: Partner
    user: User
    scopes: frozenset[str]
    environment: str
    credential_id: str
    kind: str
    client_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rate_limit_key(self) -> str:
        return self.credential_id


class InvalidToken(exceptions.AuthenticationFailed):
    default_code = "invalid_token"


def within_allowance(partner: Partner, scopes: list[str]) -> frozenset[str]:
    """Scopes still inside the partner's allowance: when staff narrow it, existing
    credentials lose the removed categories at once."""
    allowed = set(partner.allowed_categories)
    return frozenset(s for s in scopes if (d := catalog.get(s)) is not None and d.category in allowed)


def resolve(raw: str) -> Principal:
    parsed = secrets.parse(raw)
    if parsed is None:
        if raw.startswith(("cms_sk_", "cms_mt_")):
            raise InvalidToken("The bearer token is malformed or mistyped (its checksum does not match).")
        return _resolve_oauth(raw)
    token = ApiToken.objects.select_related("partner", "created_by").filter(lookup=parsed.lookup).first()
    if token is None or not secrets.matches(parsed.full, token.secret_hash):
        raise InvalidToken("The bearer token is not valid.")
    now = timezone.now()
    if token.revoked_at is not None:
        raise InvalidToken("The bearer token was revoked.")
    if token.expires_at is not None and token.expires_at <= now:
        raise InvalidToken("The bearer token has expired.")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return Principal(
        partner=token.partner,
        user=token.created_by,
        scopes=within_allowance(token.partner, token.scopes),
        environment=token.environment,
        credential_id=token.public_id,
        kind=token.kind,
    )


def _resolve_oauth(raw: str) -> Principal:
    """An OAuth 2.0 access token issued by /oauth/token."""
    checksum = hashlib.sha256(raw.encode()).hexdigest()
    access = (
        AccessToken.objects.select_related("application__partner", "application__created_by")
        .filter(token_checksum=checksum)
        .first()
    )
    if access is None:
        raise InvalidToken("The bearer token is not valid.")
    if access.is_expired():
        raise InvalidToken("The bearer token has expired.")
    client = access.application
    if client is None or client.disabled_at is not None:
        raise InvalidToken("The bearer token was revoked.")
    return Principal(
        partner=client.partner,
        user=access.user or client.created_by,
        scopes=within_allowance(client.partner, access.scope.split()),
        environment=client.environment,
        credential_id=f"oauth:{client.client_id}",
        kind="oauth",
        client_id=client.client_id,
    )


class BearerAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[User, Principal] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != b"bearer":
            return None
        if len(header) != 2:
            raise InvalidToken("Send exactly one token: “Authorization: Bearer <token>”.")
        principal = resolve(header[1].decode("ascii", errors="replace"))
        return principal.user, principal

    def authenticate_header(self, request: Request) -> str:
        return f'Bearer realm="{REALM}"'


class HasScopes(BasePermission):
    """``view.required_scopes = {"GET": [...], "POST": [...]}``: every listed scope is needed."""

    def has_permission(self, request: Request, view: Any) -> bool:
        principal = request.auth
        if not isinstance(principal, Principal):
            raise exceptions.NotAuthenticated("Send a bearer token: “Authorization: Bearer <token>”.")
        needed = getattr(view, "required_scopes", {}).get(request.method or "", [])
        missing = [s for s in needed if s not in principal.scopes]
        if missing:
            raise exceptions.PermissionDenied(
                f"This credential lacks the scope {', '.join(missing)}.", code="insufficient_scope"
            )
        return True
