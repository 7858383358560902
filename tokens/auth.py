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
from rest_framework.request import Request

from partners.models import Partner
from scopes import catalog, smart
from tokens import keys
from tokens.models import AccessContext, ApiToken, OAuthClient

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
    issued_at: int | None = None  # unix seconds, for introspection
    expires_at: int | None = None
    subject: str = ""  # the person an OAuth token acts for (SMART); "" for partner credentials
    patient: str = ""  # SMART patient context: patient-level scopes reach only this patient's data
    partner_id: int = 0  # known without loading the partner (hot paths audit with ids)
    partner_gpid: str = ""
    user_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rate_limit_key(self) -> str:
        return self.credential_id

    @property
    def delegable(self) -> frozenset[str] | None:
        """The most a credential made with this one may hold: its own scopes. None for a
        management token: the member behind it acts, and their role decides."""
        return None if self.kind == ApiToken.Kind.MANAGEMENT else self.scopes


class InvalidToken(exceptions.AuthenticationFailed):
    default_code = "invalid_token"


# Credentials are cached briefly so that authenticating one costs a single cache round
# trip: API tokens under their (already secret) HMAC for bearer authentication, OAuth
# clients under a hash of their client id for the token endpoint (tokens.oauth). Each row
# carries what is needed of its partner (status, allowance). Expiry is checked on every
# request.
#
# Changing a credential (revoking, narrowing, disabling, saving its partner) deletes its
# row and leaves a "changed at" stamp beside it, written before and again after the change
# commits. Every cached row carries when its database read began, and a row read before
# the last change (plus a second's allowance for clocks between machines) is ignored.
# So a request that read the old row before the commit and writes it back to the cache
# afterwards changes nothing: the change holds from the moment it commits, not a TTL
# later, and caching resumes a second after it.
CACHE_TTL = 60
STAMP_TTL = 5 * CACHE_TTL  # longer than any row written before the change can live
CLOCK_ALLOWANCE = 1.0
_CHANGED = ":changed"

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
    """Stamp the change and delete the rows now, and again once the transaction commits."""
    if not keys:
        return

    def drop(stamp: float) -> None:
        cache.set_many(dict.fromkeys((key + _CHANGED for key in keys), stamp), STAMP_TTL)
        cache.delete_many(keys)

    # While the change is uncommitted nothing read may be cached (the stamp lies ahead),
    # however long the transaction lasts; once it commits, rows read after it may be.
    drop(time.time() + STAMP_TTL)
    transaction.on_commit(lambda: drop(time.time()))


@dataclass(frozen=True)
class _Lookup:
    row: dict[str, Any] | None  # the cached row, when it may be trusted
    changed_at: float
    read_at: float  # when a database read made now begins

    def keep(self, key: str, row: dict[str, Any]) -> None:
        """Cache ``row`` (read from the database after ``read_at``) unless a change was
        stamped so recently that the read may predate its commit."""
        if self.read_at > self.changed_at + CLOCK_ALLOWANCE:
            cache.set(key, {**row, "read_at": self.read_at}, CACHE_TTL)


def _cached(key: str) -> _Lookup:
    """The cached row and the change stamp beside it, in one round trip."""
    read_at = time.time()
    found = cache.get_many([key, key + _CHANGED])
    changed_at = float(found.get(key + _CHANGED) or 0.0)
    row: dict[str, Any] | None = found.get(key)
    if row is not None and row.get("read_at", 0.0) <= changed_at + CLOCK_ALLOWANCE:
        row = None
    return _Lookup(row, changed_at, read_at)


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
    lookup = _cached(key)
    row = lookup.row
    if row is None:
        found = (
            OAuthClient.objects.filter(client_id=client_id)
            .values(*CLIENT_FIELDS, "partner__status", "partner__allowed_categories", "created_by__is_active")
            .first()
        )
        if found is None:
            return None
        row = {name: found[name] for name in CLIENT_FIELDS}
        row["partner_status"] = found["partner__status"]
        row["allowed"] = list(found["partner__allowed_categories"] or [])
        row["owner_active"] = found["created_by__is_active"] is True  # no owner: no tokens
        lookup.keep(key, row)
    return row


def _token_row(lookup_id: str, secret_hash: str) -> tuple[dict[str, Any] | None, _Lookup]:
    """The token's row, and how it was looked up in the cache."""
    key = token_cache_key(secret_hash)
    lookup = _cached(key)
    row = lookup.row
    if row is None:
        token = (
            ApiToken.objects.filter(lookup=lookup_id)
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
                "created_at",
                "expires_at",
                "last_used_at",
                "partner__allowed_categories",
                "partner__gpid",
                "partner__status",
                "created_by__is_active",
            )
            .first()
        )
        if token is None or not hmac.compare_digest(token["secret_hash"], secret_hash):
            return None, lookup
        row = {
            "pk": token["pk"],
            "partner_id": token["partner_id"],
            "user_id": token["created_by_id"],
            "scopes": token["scopes"],
            "allowed": list(token["partner__allowed_categories"] or []),
            "gpid": token["partner__gpid"],
            "environment": token["environment"],
            "public_id": token["public_id"],
            "kind": token["kind"],
            # A deactivated member's credentials are revoked with the account (tokens.receivers),
            # a declined partner's with the decision; the checks here also cover a change made
            # without those signals, from the next database read (at most CACHE_TTL later).
            "revoked": token["revoked_at"] is not None
            or not token["created_by__is_active"]
            or token["partner__status"] == Partner.Status.REJECTED,
            "created": int(token["created_at"].timestamp()),
            "expires": token["expires_at"].timestamp() if token["expires_at"] else None,
            "last_used": token["last_used_at"].timestamp() if token["last_used_at"] else None,
        }
        lookup.keep(key, row)
    return row, lookup


def resolve(raw: str) -> Principal:
    parsed = keys.parse(raw)
    if parsed is None:
        if raw.startswith(("cms_sk_", "cms_mt_")):
            raise InvalidToken("The bearer token is malformed or mistyped (its checksum does not match).")
        return _resolve_oauth(raw)
    secret_hash = keys.hash_secret(parsed.full)
    row, lookup = _token_row(parsed.lookup, secret_hash)
    if row is None:
        raise InvalidToken("The bearer token is not valid.")
    now = time.time()
    if row["revoked"]:
        raise InvalidToken("The bearer token was revoked.")
    if row["expires"] is not None and row["expires"] <= now:
        raise InvalidToken("The bearer token has expired.")
    if row["last_used"] is None or now - row["last_used"] >= LAST_USED_GRANULARITY.total_seconds():
        ApiToken.objects.filter(pk=row["pk"]).update(last_used_at=timezone.now())
        lookup.keep(token_cache_key(secret_hash), {**row, "last_used": now})
    partner_id, user_id = row["partner_id"], row["user_id"]
    return Principal(
        partner=cast(Partner, SimpleLazyObject(lambda: Partner.objects.get(pk=partner_id))),
        user=cast(User, SimpleLazyObject(lambda: User.objects.get(pk=user_id))),
        scopes=catalog.within_allowance(row["scopes"], row["allowed"]),
        environment=row["environment"],
        credential_id=row["public_id"],
        kind=row["kind"],
        issued_at=row.get("created"),
        partner_id=partner_id,
        partner_gpid=row.get("gpid", ""),
        user_id=user_id,
        expires_at=int(row["expires"]) if row["expires"] is not None else None,
    )


def _resolve_oauth(raw: str) -> Principal:
    """An OAuth 2.0 access token issued by /oauth/token."""
    checksum = hashlib.sha256(raw.encode()).hexdigest()
    access = (
        AccessToken.objects.select_related("application__partner", "application__created_by", "user", "smart_context")
        .filter(token_checksum=checksum)
        .first()
    )
    if access is None:
        raise InvalidToken("The bearer token is not valid.")
    if access.is_expired():
        raise InvalidToken("The bearer token has expired.")
    client = access.application
    holder = access.user or client.created_by if client is not None else None
    if client is None or client.disabled_at is not None or holder is None or not holder.is_active:
        raise InvalidToken("The bearer token was revoked.")
    return Principal(
        partner=client.partner,
        user=holder,
        # What the token was issued with, still registered on the client, still allowed.
        scopes=catalog.within_allowance(
            [s for s in access.scope.split() if any(smart.covers(r, s) for r in client.scopes)],
            client.partner.allowed_categories,
        ),
        environment=client.environment,
        credential_id=f"oauth:{client.client_id}",
        kind="oauth",
        client_id=client.client_id,
        issued_at=int(access.created.timestamp()),
        expires_at=int(access.expires.timestamp()),
        subject=str(access.user_id) if access.user_id else "",
        patient=_patient_context(access),
        partner_id=client.partner_id,
        partner_gpid=client.partner.gpid,
        user_id=holder.pk,
    )


def _patient_context(access: AccessToken) -> str:
    try:
        return str(access.smart_context.patient_id)
    except AccessContext.DoesNotExist:
        return ""


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
