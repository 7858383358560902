"""Issuing, changing and revoking credentials: API tokens, management tokens and OAuth
clients. One code path for the dashboard, the API, admin and the receivers of partner
decisions; each service checks who acts, runs in one transaction and writes its audit."""

from __future__ import annotations

import secrets as pysecrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import AccessToken, RefreshToken

from audit import services as audit
from legal import services as legal_services
from lib.environment import Environment
from lib.errors import Refused
from lib.request_context import RequestMeta
from partners.models import Membership, Partner
from partners.permissions import Action, authorize, can, require_staff
from partners.services import reserve
from scopes import catalog
from tokens import jwks_remote, jwt_auth, keys, rules
from tokens.auth import forget_token
from tokens.models import ApiToken, OAuthClient
from tokens.oauth import current_hash, store_client_secret
from webhooks import services as webhooks

MAX_ACTIVE_TOKENS = 50
DEFAULT_EXPIRY_DAYS = 90
MAX_EXPIRY_DAYS = 365
MANAGEMENT_TTL = timedelta(minutes=15)
SECRET_OVERLAP = timedelta(hours=24)
TOKEN_STAFF_PERMISSION = "tokens.change_apitoken"  # noqa: S105 - a permission name
CLIENT_STAFF_PERMISSION = "tokens.change_oauthclient"


class ScopeEscalation(Refused):
    """A credential asked to grant scopes it does not hold itself."""

    status_code = 403
    code = "scope_escalation"
    field = "scopes"


def _authorize(partner: Partner, by: User | None, staff_permission: str = "") -> str:
    return authorize(
        partner=partner,
        user=by,
        action=Action.MANAGE_CREDENTIALS,
        message="Your role cannot manage credentials.",
        staff_permission=staff_permission,
    )


def _within_ceiling(scopes: list[str], ceiling: Collection[str] | None, what: str) -> None:
    """``ceiling``: the scopes of the credential making the request (None when a person
    acts: the dashboard, or a management token from /cms/partner-login)."""
    if ceiling is None:
        return
    beyond = [s for s in scopes if s not in ceiling]
    if beyond:
        raise ScopeEscalation(f"This credential cannot grant scopes it does not hold: {', '.join(beyond)}. {what}")


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
    ceiling: Collection[str] | None = None,
    seed: bytes | None = None,
) -> IssuedToken:
    _authorize(partner, by)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the token a name, e.g. “claims-sync worker”."})
    if environment not in Environment.values:
        raise ValidationError({"environment": "Choose sandbox or production."})
    if environment == Environment.PRODUCTION:
        legal_services.ensure_production_agreements(partner)
        raise ValidationError(
            {"environment": "Production credentials are issued after go-live approval; use the sandbox until then."}
        )
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise ValidationError({"expires_in_days": f"Choose between 1 and {MAX_EXPIRY_DAYS} days, or none (sandbox)."})
    clean_scopes = rules.validate_api_token_scopes(partner, scopes)
    _within_ceiling(clean_scopes, ceiling, "Use a management token from /cms/partner-login, or the dashboard.")
    generated = keys.generate(keys.ENV_PREFIX[environment], seed=seed)
    with transaction.atomic():
        reserve(
            partner=partner,
            existing=ApiToken.objects.api_keys().active().filter(partner=partner),
            limit=MAX_ACTIVE_TOKENS,
            what="active API tokens",
        )
        token = ApiToken.objects.create(
            partner=partner,
            name=name[:100],
            scopes=clean_scopes,
            environment=environment,
            prefix=generated.display_prefix,
            lookup=generated.lookup,
            secret_hash=keys.hash_secret(generated.full),
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
    """Revoke now and announce it to the partner's webhooks. Idempotent. Members who
    manage credentials and staff (``tokens.change_apitoken``) may."""
    _authorize(token.partner, by, TOKEN_STAFF_PERMISSION)
    return _revoke_token(token, by=by, reason=reason, meta=meta)


def _revoke_token(token: ApiToken, *, by: User | None, reason: str, meta: RequestMeta | None) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().select_related("partner").get(pk=token.pk)
        if token.revoked_at is not None:
            return token
        token.revoked_at = timezone.now()
        token.revoked_reason = reason
        token.save(update_fields=["revoked_at", "revoked_reason"])
        forget_token(token.secret_hash)
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
    *,
    by: User | None,
    reason: str,
    partner: Partner | None = None,
    user: User | None = None,
    meta: RequestMeta | None = None,
) -> int:
    """Revoke every active credential of ``partner``, or those ``user`` created (in one
    partner, or everywhere): API tokens, management tokens and OAuth clients alike.

    Not called by views: the receivers of decisions that were authorized where they were
    taken (a rejection, a member's removal, an account's deactivation) call it."""
    if partner is None and user is None:
        raise ValueError("revoke_all needs a partner, a user or both")
    tokens, clients = ApiToken.objects.active(), OAuthClient.objects.active()
    if partner is not None:
        tokens, clients = tokens.filter(partner=partner), clients.filter(partner=partner)
    if user is not None:
        tokens, clients = tokens.filter(created_by=user), clients.filter(created_by=user)
    count = 0
    for token in tokens.select_related("partner"):
        _revoke_token(token, by=by, reason=reason, meta=meta)
        count += 1
    for client in clients:
        _disable_client(client, by=by, reason=reason, meta=meta)
        count += 1
    return count


def narrow_to_allowance(
    *, partner: Partner, removed: Collection[str], by: User | None, meta: RequestMeta | None = None
) -> None:
    """Staff took scope categories off the partner's allowance: every live credential
    loses the scopes of those categories now; one left with none is revoked. (The
    receiver of partners' allowance_narrowed calls this.)"""
    gone = set(removed)

    def kept(scopes: list[str]) -> list[str]:
        return [s for s in scopes if (category := catalog.category_of(s)) is not None and category not in gone]

    for token in ApiToken.objects.active().filter(partner=partner).select_related("partner"):
        remaining = kept(token.scopes)
        if not remaining:
            _revoke_token(token, by=by, reason=ApiToken.RevokeReason.ADMIN_ACTION, meta=meta)
        elif remaining != token.scopes:
            with transaction.atomic():
                before, token.scopes = token.scopes, remaining
                token.save(update_fields=["scopes"])
                forget_token(token.secret_hash)
                audit.record(
                    action="token.narrowed",
                    actor=by,
                    partner=partner,
                    obj=token,
                    meta=meta,
                    details={"before": before, "scopes": remaining, "removed_categories": sorted(gone)},
                )
    for client in OAuthClient.objects.active().filter(partner=partner):
        remaining = kept(client.scopes)
        if not remaining and not client.is_resource_server:
            _disable_client(client, by=by, reason=ApiToken.RevokeReason.ADMIN_ACTION, meta=meta)
        elif remaining != client.scopes:
            _set_client_scopes(client, remaining, by=by, meta=meta, action="oauth_client.narrowed")


def issue_management_token(*, membership: Membership, meta: RequestMeta | None = None) -> IssuedToken:
    """A 15-minute bearer for the management API, scoped to the member's role."""
    if not membership.user.is_active:
        raise LoginRefused("This account is deactivated.", status_code=403, code="account_inactive")
    scopes = ["cms.partner.read"]
    if can(membership.role, Action.MANAGE_CREDENTIALS):
        scopes.append("cms.partner.write")
    generated = keys.generate(keys.MANAGEMENT_PREFIX)
    with transaction.atomic():
        token = ApiToken.objects.create(
            partner=membership.partner,
            kind=ApiToken.Kind.MANAGEMENT,
            name=f"partner-login {membership.user.email}",
            scopes=scopes,
            environment=Environment.SANDBOX,
            prefix=generated.display_prefix,
            lookup=generated.lookup,
            secret_hash=keys.hash_secret(generated.full),
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


class LoginRefused(Refused):
    """Why /cms/partner-login said no (401 unless another status says more)."""

    def __init__(
        self, message: str, *, status_code: int = 401, code: str = "authentication_failed", retry_after: int = 0
    ) -> None:
        super().__init__(message)
        self.status_code, self.code, self.retry_after = status_code, code, retry_after


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
    ceiling: Collection[str] | None = None,
    with_registration_token: bool = False,
    jwks: Any = None,
    jwks_uri: str = "",
    fixed_id: str = "",
    fixed_secret: str = "",
) -> IssuedClient:
    """Register a confidential client_credentials client (sandbox). ``fixed_id`` and
    ``fixed_secret`` are for the demo data only, so ``seed_demo`` prints the same working
    client on every run."""
    _authorize(partner, by)
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
    clean_scopes = rules.validate_client_scopes(partner, scopes)
    _within_ceiling(clean_scopes, ceiling, "Use a management token from /cms/partner-login, or the dashboard.")
    if jwks_uri:
        try:  # fetch once now, so a wrong URL is reported here and not at the first token request
            jwks_remote.fetch(jwks_uri)
        except jwks_remote.JwksUnavailable as exc:
            raise ValidationError({"jwks_uri": str(exc)}) from exc
    secret = "" if uses_keys else (fixed_secret or pysecrets.token_urlsafe(36))
    registration_token = pysecrets.token_urlsafe(32) if with_registration_token else ""
    with transaction.atomic():
        reserve(
            partner=partner,
            existing=OAuthClient.objects.active().filter(partner=partner),
            limit=MAX_ACTIVE_TOKENS,
            what="active OAuth clients",
        )
        client = OAuthClient.objects.create(
            **({"client_id": fixed_id} if fixed_id else {}),
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
            registration_token_hash=keys.hash_secret(registration_token) if registration_token else "",
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
    """Disable a client and revoke its tokens at once; announce it. Idempotent. Members
    who manage credentials, staff (``tokens.change_oauthclient``), and the holder of the
    client's registration access token (RFC 7592 DELETE: ``by`` None) may."""
    _authorize(client.partner, by, CLIENT_STAFF_PERMISSION)
    return _disable_client(client, by=by, reason=reason, meta=meta)


def _drop_client_tokens(client: OAuthClient) -> None:
    AccessToken.objects.filter(application=client).delete()
    RefreshToken.objects.filter(application=client, revoked__isnull=True).update(revoked=timezone.now())


def _disable_client(client: OAuthClient, *, by: User | None, reason: str, meta: RequestMeta | None) -> OAuthClient:
    with transaction.atomic():
        client = OAuthClient.objects.select_for_update().select_related("partner").get(pk=client.pk)
        if client.disabled_at is not None:
            return client
        client.disabled_at = timezone.now()
        client.save(update_fields=["disabled_at"])
        _drop_client_tokens(client)
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
    *,
    client: OAuthClient,
    by: User | None,
    name: str | None = None,
    scopes: list[str] | None = None,
    narrow_only: bool = False,
    meta: RequestMeta | None = None,
) -> OAuthClient:
    """Rename a client or change its scopes (within the catalog and the allowance). With
    ``narrow_only`` (RFC 7592 updates, authorized by the registration access token alone)
    scopes may only be removed: more scopes need a new registration by a credential that
    holds them. Removing any scope deletes the client's access tokens."""
    _authorize(client.partner, by, CLIENT_STAFF_PERMISSION)
    if name is not None and not name.strip():
        raise ValidationError({"client_name": "client_name cannot be empty."})
    with transaction.atomic():
        # Checked against the locked rows: a concurrent staff change cannot be written back.
        client = OAuthClient.objects.select_for_update().select_related("partner").get(pk=client.pk)
        clean_scopes = rules.validate_client_scopes(client.partner, scopes) if scopes is not None else None
        if clean_scopes is not None and narrow_only:
            _within_ceiling(
                clean_scopes, client.scopes, "An update may only remove scopes; register a new client for more."
            )
        if name is not None and name.strip()[:255] != client.name:
            before = client.name
            client.name = name.strip()[:255]
            client.save(update_fields=["name", "updated"])
            audit.record(
                action="oauth_client.renamed",
                actor=by,
                partner=client.partner,
                obj=client,
                meta=meta,
                client_id=client.client_id,
                details={"before": before, "name": client.name},
            )
        if clean_scopes is not None and clean_scopes != client.scopes:
            _set_client_scopes(client, clean_scopes, by=by, meta=meta, action="oauth_client.scopes_changed")
    return client


def _set_client_scopes(
    client: OAuthClient, scopes: list[str], *, by: User | None, meta: RequestMeta | None, action: str
) -> None:
    with transaction.atomic():
        before = list(client.scopes)
        client.scopes = scopes
        client.save(update_fields=["scopes", "updated"])
        if set(before) - set(scopes):  # tokens carrying a removed scope must not outlive it
            _drop_client_tokens(client)
        audit.record(
            action=action,
            actor=by,
            partner=client.partner,
            obj=client,
            meta=meta,
            client_id=client.client_id,
            details={"before": before, "scopes": scopes},
        )


def set_resource_server(
    *, client: OAuthClient, resource_server: bool, by: User, meta: RequestMeta | None = None
) -> OAuthClient:
    """Staff designate an API gateway: a resource server may introspect tokens and never
    obtains tokens itself (the ones it holds are deleted)."""
    require_staff(by, CLIENT_STAFF_PERMISSION, "Only staff allowed to change OAuth clients can designate gateways.")
    with transaction.atomic():
        client = OAuthClient.objects.select_for_update().select_related("partner").get(pk=client.pk)
        if client.is_resource_server == resource_server:
            return client
        client.is_resource_server = resource_server
        client.save(update_fields=["is_resource_server", "updated"])
        if resource_server:
            _drop_client_tokens(client)
        audit.record(
            action="oauth_client.resource_server_set" if resource_server else "oauth_client.resource_server_unset",
            actor=by,
            partner=client.partner,
            obj=client,
            meta=meta,
            client_id=client.client_id,
        )
    return client


def rotate_client_secret(
    *, client: OAuthClient, by: User | None, meta: RequestMeta | None = None, revoke_previous: bool = False
) -> str:
    """A new secret. By default the old one keeps working for 24 hours so deployments can
    roll over; ``revoke_previous`` (a leaked secret) ends it now, with every access token
    issued so far."""
    _authorize(client.partner, by, CLIENT_STAFF_PERMISSION)
    if client.token_endpoint_auth_method == OAuthClient.AuthMethod.PRIVATE_KEY_JWT:
        raise ValidationError("private_key_jwt clients have no secret: register a new key instead.")
    secret = pysecrets.token_urlsafe(36)
    with transaction.atomic():
        client = OAuthClient.objects.select_for_update().select_related("partner").get(pk=client.pk)
        if revoke_previous:
            until = 0
            client.client_secret = store_client_secret(secret)
            _drop_client_tokens(client)
        else:
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
            details={"previous_valid_until": until, "previous_revoked": revoke_previous},
        )
    return secret
