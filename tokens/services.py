"""Issuing and revoking API tokens; one code path for the dashboard, the API and admin."""

from __future__ import annotations

import secrets as pysecrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import AccessToken, RefreshToken

from audit import services as audit
from legal import services as legal_services
from partners.models import Membership, Partner
from partners.permissions import Action, can, require
from portal.request_context import RequestMeta
from tokens import jwks_remote, jwt_auth, rules, secrets
from tokens.auth import forget_token
from tokens.models import ApiToken, OAuthClient
from tokens.oauth import current_hash, store_client_secret
from webhooks import services as webhooks

MAX_ACTIVE_TOKENS = 50
DEFAULT_EXPIRY_DAYS = 90
MAX_EXPIRY_DAYS = 365
MANAGEMENT_TTL = timedelta(minutes=15)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown exactly once, never stored


def create_api_token(
    *,
    partner: Partner,
    name: str,
    scopes: list[str],
    environment: str,
    expires_in_days: int | None,
    by: User,
    meta: RequestMeta | None = None,
    seed: bytes | None = None,
) -> IssuedToken:
    require(partner=partner, user=by, action=Action.MANAGE_CREDENTIALS, message="Your role cannot create credentials.")
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the token a name, e.g. “claims-sync worker”."})
    if environment not in ApiToken.Environment.values:
        raise ValidationError({"environment": "Choose sandbox or production."})
    if environment == ApiToken.Environment.PRODUCTION:
        legal_services.ensure_production_agreements(partner)
        raise ValidationError(
            {"environment": "Production credentials are issued after go-live approval; use the sandbox until then."}
        )
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise ValidationError({"expires_in_days": f"Choose between 1 and {MAX_EXPIRY_DAYS} days, or none (sandbox)."})
    clean_scopes = rules.validate_api_token_scopes(partner, scopes)
    generated = secrets.generate(secrets.ENV_PREFIX[environment], seed=seed)
    with transaction.atomic():
        locked = Partner.objects.select_for_update().get(pk=partner.pk)  # serialises the limit check
        if not locked.sandbox_open:
            raise PermissionDenied("This organization's application was declined; credentials cannot be issued.")
        active = ApiToken.objects.api_keys().active().filter(partner=partner).count()
        if active >= MAX_ACTIVE_TOKENS:
            raise ValidationError(
                f"{partner.legal_name} already has {MAX_ACTIVE_TOKENS} active tokens; revoke unused ones first."
            )
        token = ApiToken.objects.create(
            partner=partner,
            name=name[:100],
            scopes=clean_scopes,
            environment=environment,
            prefix=generated.display_prefix,
            lookup=generated.lookup,
            secret_hash=secrets.hash_secret(generated.full),
            created_by=by,
            expires_at=timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None,
        )
        audit.record(
            action="token.created",
            actor=by,
            partner=partner,
            obj=token,
            meta=meta,
            details={"name": token.name, "scopes": clean_scopes, "environment": environment},
        )
    return IssuedToken(token=token, secret=generated.full)


def revoke_api_token(*, token: ApiToken, by: User | None, reason: str, meta: RequestMeta | None = None) -> ApiToken:
    """Revoke now and announce it to the partner's webhooks. Idempotent."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().select_related("partner").get(pk=token.pk)
        if token.revoked_at is not None:
            return token
        token.revoked_at = timezone.now()
        token.revoked_reason = reason
        token.save(update_fields=["revoked_at", "revoked_reason"])
        forget_token(token.secret_hash)  # now, and again after commit in case a request re-cached it
        audit.record(
            action="token.revoked", actor=by, partner=token.partner, obj=token, meta=meta, details={"reason": reason}
        )
        if token.kind == ApiToken.Kind.API:
            webhooks.emit(
                partner=token.partner,
                type="partner.token.revoked",
                payload=token.revoked_payload(),
                environment=token.environment,
            )
    return token


def revoke_all(
    *, partner: Partner, by: User | None, reason: str, user: User | None = None, meta: RequestMeta | None = None
) -> int:
    """Revoke every active credential of the partner (or only those ``user`` created):
    API tokens and OAuth clients alike."""
    tokens = ApiToken.objects.active().filter(partner=partner)
    clients = OAuthClient.objects.active().filter(partner=partner)
    if user is not None:
        tokens, clients = tokens.filter(created_by=user), clients.filter(created_by=user)
    count = 0
    for token in tokens:
        revoke_api_token(token=token, by=by, reason=reason, meta=meta)
        count += 1
    for client in clients:
        disable_oauth_client(client=client, by=by, reason=reason, meta=meta)
        count += 1
    return count


def issue_management_token(*, membership: Membership, meta: RequestMeta | None = None) -> IssuedToken:
    """A 15-minute bearer for the management API, scoped to the member's role."""
    scopes = ["cms.partner.read"]
    if can(membership.role, Action.MANAGE_CREDENTIALS):
        scopes.append("cms.partner.write")
    generated = secrets.generate(secrets.MANAGEMENT_PREFIX)
    with transaction.atomic():
        token = ApiToken.objects.create(
            partner=membership.partner,
            kind=ApiToken.Kind.MANAGEMENT,
            name=f"partner-login {membership.user.email}",
            scopes=scopes,
            environment=ApiToken.Environment.SANDBOX,
            prefix=generated.display_prefix,
            lookup=generated.lookup,
            secret_hash=secrets.hash_secret(generated.full),
            created_by=membership.user,
            expires_at=timezone.now() + MANAGEMENT_TTL,
        )
        audit.record(
            action="account.api_login",
            actor=membership.user,
            partner=membership.partner,
            obj=token,
            meta=meta,
            details={"scopes": scopes},
        )
    return IssuedToken(token=token, secret=generated.full)


@dataclass(frozen=True)
class IssuedClient:
    client: OAuthClient
    secret: str  # shown exactly once, never stored
    registration_token: str = ""  # RFC 7592 registration access token, shown once


def create_oauth_client(
    *,
    partner: Partner,
    name: str,
    scopes: list[str],
    auth_method: str = OAuthClient.AuthMethod.BASIC,
    by: User,
    meta: RequestMeta | None = None,
    with_registration_token: bool = False,
    jwks: Any = None,
    jwks_uri: str = "",
) -> IssuedClient:
    """Register a confidential client_credentials client (sandbox)."""
    require(partner=partner, user=by, action=Action.MANAGE_CREDENTIALS, message="Your role cannot create credentials.")
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the client a name, e.g. “nightly claims export”."})
    if auth_method not in OAuthClient.AuthMethod.values:
        raise ValidationError(
            {"token_endpoint_auth_method": "Choose client_secret_basic, client_secret_post or private_key_jwt."}
        )
    uses_keys = auth_method == OAuthClient.AuthMethod.PRIVATE_KEY_JWT
    has_jwks, jwks_uri = jwks not in (None, "", {}), (jwks_uri or "").strip()
    if uses_keys and has_jwks and jwks_uri:
        raise ValidationError(
            {"jwks_uri": "Give your public keys either inline (jwks) or as a URL (jwks_uri), not both."}
        )
    if uses_keys and not (has_jwks or jwks_uri):
        raise ValidationError({"jwks": "private_key_jwt needs your public keys: paste your JWK Set or give its URL."})
    if not uses_keys and (has_jwks or jwks_uri):
        raise ValidationError({"jwks": "Public keys are only used with private_key_jwt."})
    clean_jwks = jwt_auth.validate_jwks(jwks) if uses_keys and has_jwks else {}
    if jwks_uri:
        try:  # fetch once now, so a wrong URL is reported here and not at the first token request
            jwks_remote.fetch(jwks_uri)
        except jwks_remote.JwksUnavailable as exc:
            raise ValidationError({"jwks_uri": str(exc)}) from exc
    clean_scopes = rules.validate_client_scopes(partner, scopes)
    secret = "" if uses_keys else pysecrets.token_urlsafe(36)
    registration_token = pysecrets.token_urlsafe(32) if with_registration_token else ""
    with transaction.atomic():
        locked = Partner.objects.select_for_update().get(pk=partner.pk)
        if not locked.sandbox_open:
            raise PermissionDenied("This organization's application was declined; credentials cannot be issued.")
        if OAuthClient.objects.active().filter(partner=partner).count() >= MAX_ACTIVE_TOKENS:
            raise ValidationError(f"{partner.legal_name} already has {MAX_ACTIVE_TOKENS} active OAuth clients.")
        client = OAuthClient.objects.create(
            partner=partner,
            name=name[:255],
            client_type=OAuthClient.CLIENT_CONFIDENTIAL,
            authorization_grant_type=OAuthClient.GRANT_CLIENT_CREDENTIALS,
            hash_client_secret=False,  # we store our own keyed hash (tokens.oauth)
            client_secret=store_client_secret(secret) if secret else "",
            secret_prefix=secret[:6],
            jwks=clean_jwks,
            jwks_uri=jwks_uri,
            scopes=clean_scopes,
            token_endpoint_auth_method=auth_method,
            created_by=by,
            registration_token_hash=secrets.hash_secret(registration_token) if registration_token else "",
        )
        audit.record(
            action="oauth_client.created",
            actor=by,
            partner=partner,
            obj=client,
            meta=meta,
            client_id=client.client_id,
            details={"name": client.name, "scopes": clean_scopes},
        )
    return IssuedClient(client=client, secret=secret, registration_token=registration_token)


def disable_oauth_client(
    *,
    client: OAuthClient,
    by: User | None,
    reason: str = ApiToken.RevokeReason.USER_REQUEST,
    meta: RequestMeta | None = None,
) -> OAuthClient:
    """Disable a client and revoke its tokens at once; announce it. Idempotent."""
    with transaction.atomic():
        client = OAuthClient.objects.select_for_update().select_related("partner").get(pk=client.pk)
        if client.disabled_at is not None:
            return client
        client.disabled_at = timezone.now()
        client.save(update_fields=["disabled_at"])
        AccessToken.objects.filter(application=client).delete()
        RefreshToken.objects.filter(application=client, revoked__isnull=True).update(revoked=client.disabled_at)
        audit.record(
            action="oauth_client.disabled",
            actor=by,
            partner=client.partner,
            obj=client,
            meta=meta,
            client_id=client.client_id,
            details={"reason": reason},
        )
        webhooks.emit(
            partner=client.partner,
            type="partner.token.revoked",
            payload={**client.revoked_payload(), "reason": reason},
            environment=client.environment,
        )
    return client


def update_oauth_client(
    *, client: OAuthClient, name: str, scopes: list[str], by: User | None, meta: RequestMeta | None = None
) -> OAuthClient:
    """RFC 7592 update: name and scopes (within the catalog and allowance)."""
    clean_scopes = rules.validate_client_scopes(client.partner, scopes)
    if not name.strip():
        raise ValidationError({"client_name": "client_name cannot be empty."})
    with transaction.atomic():
        client = OAuthClient.objects.select_for_update().get(pk=client.pk)
        before = {"name": client.name, "scopes": client.scopes}
        client.name, client.scopes = name.strip()[:255], clean_scopes
        client.save(update_fields=["name", "scopes", "updated"])
        if set(clean_scopes) < set(before["scopes"]):  # narrowed: tokens with removed scopes go
            AccessToken.objects.filter(application=client).delete()
        audit.record(
            action="oauth_client.updated",
            actor=by,
            partner=client.partner,
            obj=client,
            meta=meta,
            client_id=client.client_id,
            details={"before": before, "scopes": clean_scopes},
        )
    return client


SECRET_OVERLAP = timedelta(hours=24)


def rotate_client_secret(*, client: OAuthClient, by: User | None, meta: RequestMeta | None = None) -> str:
    """A new secret; the old one keeps working for 24 hours so deployments can roll over."""
    if client.token_endpoint_auth_method == OAuthClient.AuthMethod.PRIVATE_KEY_JWT:
        raise ValidationError("private_key_jwt clients have no secret: register a new key instead.")
    secret = pysecrets.token_urlsafe(36)
    with transaction.atomic():
        client = OAuthClient.objects.select_for_update().select_related("partner").get(pk=client.pk)
        until = int((timezone.now() + SECRET_OVERLAP).timestamp())
        client.client_secret = store_client_secret(secret, current_hash(client.client_secret), until)
        client.secret_prefix = secret[:6]
        client.save(update_fields=["client_secret", "secret_prefix", "updated"])
        audit.record(
            action="oauth_client.secret_rotated",
            actor=by,
            partner=client.partner,
            obj=client,
            meta=meta,
            client_id=client.client_id,
            details={"previous_valid_until": until},
        )
    return secret
