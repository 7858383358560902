"""One bearer authentication for the management API and (later) the FHIR sandbox.

``Authorization: Bearer <token>`` resolves to a :class:`Principal`. Malformed tokens and
bad checksums are refused without a database query; valid-looking ones cost one indexed
lookup and a constant-time hash comparison.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from oauth2_provider.models import AccessToken
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from partners.models import Partner
from tokens import scopes as catalog
from tokens import secrets
from tokens.models import ApiToken, OAuthClient

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
    return _within(set(partner.allowed_categories), scopes)


def _within(allowed: set[str], scopes: list[str]) -> frozenset[str]:
    return frozenset(s for s in scopes if (d := catalog.get(s)) is not None and d.category in allowed)


# Credentials are cached briefly so that authenticating one costs a single cache read:
# API tokens under their (already secret) HMAC for bearer authentication, OAuth clients
# under a hash of their client id for the token endpoint (tokens.oauth). Each row carries
# what is needed of its partner (status, allowance). Revocation deletes a token's row
# (tokens.services); saving or deleting a client deletes its row, and saving a partner
# deletes the rows of all its credentials (tokens.apps); expiry is checked on every
# request. None of them waits for the TTL.
CACHE_TTL = 60

CLIENT_FIELDS = (
    "id",
    "client_id",
    "name",
    "client_type",
    "authorization_grant_type",
    "client_secret",
    "hash_client_secret",
    "partner_id",
    "environment",
    "scopes",
    "token_endpoint_auth_method",
    "jwks",
    "jwks_uri",
    "is_resource_server",
    "disabled_at",
)


def token_cache_key(secret_hash: str) -> str:
    return f"bearer:{secret_hash}"


def client_cache_key(client_id: str) -> str:
    # Hashed: a client id is whatever the caller sent, and any string must make a safe key.
    return "oauth-client:" + hashlib.sha256(client_id.encode(errors="surrogatepass")).hexdigest()


def _forget(keys: list[str]) -> None:
    """Delete now, and again after the transaction commits: a request that read the old
    database row meanwhile may have cached it again."""
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


def forget_client(client_id: str) -> None:
    _forget([client_cache_key(client_id)])


def forget_token(secret_hash: str) -> None:
    _forget([token_cache_key(secret_hash)])


def forget_partner(partner_id: int) -> None:
    """The partner's status or allowance may have changed: drop its credentials' rows."""
    hashes = ApiToken.objects.active().filter(partner_id=partner_id).values_list("secret_hash", flat=True)
    client_ids = OAuthClient.objects.filter(partner_id=partner_id).values_list("client_id", flat=True)
    _forget([token_cache_key(h) for h in hashes] + [client_cache_key(c) for c in client_ids])


def client_row(client_id: str) -> dict[str, Any] | None:
    """CLIENT_FIELDS of the client with that id, plus its partner's ``partner_status`` and
    ``allowed`` categories (None: no such client)."""
    if "\x00" in client_id:  # PostgreSQL refuses NUL in text: no client has one
        return None
    key = client_cache_key(client_id)
    row: dict[str, Any] | None = cache.get(key)
    if row is None:
        found = (
            OAuthClient.objects.filter(client_id=client_id)
            .values(*CLIENT_FIELDS, "partner__status", "partner__allowed_categories")
            .first()
        )
        if found is None:
            return None
        row = {name: found[name] for name in CLIENT_FIELDS}
        row["partner_status"] = found["partner__status"]
        row["allowed"] = list(found["partner__allowed_categories"] or [])
        cache.set(key, row, CACHE_TTL)
    return row


def _token_row(lookup: str, secret_hash: str) -> dict[str, Any] | None:
    key = token_cache_key(secret_hash)
    row: dict[str, Any] | None = cache.get(key)
    if row is None or "allowed" not in row:  # (rows cached before they carried the allowance)
        token = (
            ApiToken.objects.filter(lookup=lookup)
            .values(
                "pk",
                "secret_hash",
                "partner_id",
                "created_by_id",
                "scopes",
                "environment",
                "public_id",
                "kind",
                "revoked_at",
                "expires_at",
                "last_used_at",
                "partner__allowed_categories",
            )
            .first()
        )
        if token is None or not hmac.compare_digest(token["secret_hash"], secret_hash):
            return None
        row = {
            "pk": token["pk"],
            "partner_id": token["partner_id"],
            "user_id": token["created_by_id"],
            "scopes": token["scopes"],
            "allowed": list(token["partner__allowed_categories"] or []),
            "environment": token["environment"],
            "public_id": token["public_id"],
            "kind": token["kind"],
            "revoked": token["revoked_at"] is not None,
            "expires": token["expires_at"].timestamp() if token["expires_at"] else None,
            "last_used": token["last_used_at"].timestamp() if token["last_used_at"] else None,
        }
        cache.set(key, row, CACHE_TTL)
    return row


def resolve(raw: str) -> Principal:
    parsed = secrets.parse(raw)
    if parsed is None:
        if raw.startswith(("cms_sk_", "cms_mt_")):
            raise InvalidToken("The bearer token is malformed or mistyped (its checksum does not match).")
        return _resolve_oauth(raw)
    secret_hash = secrets.hash_secret(parsed.full)
    row = _token_row(parsed.lookup, secret_hash)
    if row is None:
        raise InvalidToken("The bearer token is not valid.")
    now = time.time()
    if row["revoked"]:
        raise InvalidToken("The bearer token was revoked.")
    if row["expires"] is not None and row["expires"] <= now:
        raise InvalidToken("The bearer token has expired.")
    if row["last_used"] is None or now - row["last_used"] >= LAST_USED_GRANULARITY.total_seconds():
        ApiToken.objects.filter(pk=row["pk"]).update(last_used_at=timezone.now())
        cache.set(token_cache_key(secret_hash), {**row, "last_used": now}, CACHE_TTL)
    partner_id, user_id = row["partner_id"], row["user_id"]
    return Principal(
        partner=cast(Partner, SimpleLazyObject(lambda: Partner.objects.get(pk=partner_id))),
        user=cast(User, SimpleLazyObject(lambda: User.objects.get(pk=user_id))),
        scopes=_within(set(row["allowed"]), row["scopes"]),
        environment=row["environment"],
        credential_id=row["public_id"],
        kind=row["kind"],
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
