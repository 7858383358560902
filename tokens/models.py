"""API tokens and short-lived management tokens."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from oauth2_provider.models import AbstractApplication

from lib.environment import Environment
from lib.ids import iso, new_id

TOKEN_ID_PREFIX = "tok_"  # noqa: S105 - the public id's prefix, no secret


def new_token_id() -> str:
    return new_id(TOKEN_ID_PREFIX)


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).exclude(expires_at__lte=now)

    def api_keys(self) -> ApiTokenQuerySet:
        return self.filter(kind=ApiToken.Kind.API)


class ApiToken(models.Model):
    Environment = Environment

    class Kind(models.TextChoices):
        API = "api", "API token"
        MANAGEMENT = "management", "Management session (partner-login)"

    class RevokeReason(models.TextChoices):
        # The seed's partner.token.revoked reasons, exactly.
        USER_REQUEST = "user_request", "Revoked by the partner"
        ADMIN_ACTION = "admin_action", "Revoked by staff"
        EXPIRED = "expired", "Expired"
        COMPROMISED = "compromised", "Reported compromised"

    public_id = models.CharField(max_length=32, unique=True, default=new_token_id, editable=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="api_tokens")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.API)
    name = models.CharField(max_length=100)
    scopes = models.JSONField(default=list)
    environment = models.CharField(max_length=16, choices=Environment.choices)
    prefix = models.CharField(max_length=32, help_text="Recognisable, non-secret start of the token.")
    lookup = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Null: never expires (sandbox only) / never used / not revoked.
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=16, choices=RevokeReason.choices, blank=True, default="")

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at"]
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["partner", "kind", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())

    def revoked_payload(self) -> dict[str, Any]:
        """The seed's partner.token.revoked payload."""
        revoked_at = self.revoked_at or timezone.now()
        return {
            "token_id": self.public_id,
            "partner_gpid": self.partner.gpid,
            "revoked_at": iso(revoked_at),
            "reason": self.revoked_reason,
        }

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.public_id,
            "name": self.name,
            "scopes": list(self.scopes),
            "environment": self.environment,
            "prefix": self.prefix,
            "created_at": iso(self.created_at),
            "expires_at": iso(self.expires_at),
            "last_used_at": iso(self.last_used_at),
        }


class OAuthClientQuerySet(models.QuerySet["OAuthClient"]):
    def active(self) -> OAuthClientQuerySet:
        return self.filter(disabled_at__isnull=True)


class OAuthClientManager(models.Manager["OAuthClient"]):
    """Every lookup brings the partner along: the token endpoint checks its status and
    allowance on each request, so that saves a query per token."""

    def get_queryset(self) -> OAuthClientQuerySet:
        return OAuthClientQuerySet(self.model, using=self._db).select_related("partner")

    def active(self) -> OAuthClientQuerySet:
        return self.get_queryset().active()


class OAuthClient(AbstractApplication):
    """A partner's OAuth 2.0 client (django-oauth-toolkit's Application, swapped in).

    Client secrets are random and high-entropy, so they are stored as an HMAC-SHA256
    (``hmac$<hex>``, see :mod:`tokens.keys`), not with Django's slow password hasher:
    that keeps the token endpoint fast and makes wrong-secret floods cheap to refuse.
    """

    class AuthMethod(models.TextChoices):
        BASIC = "client_secret_basic", "client_secret_basic (HTTP Basic)"
        POST = "client_secret_post", "client_secret_post (form body)"
        PRIVATE_KEY_JWT = "private_key_jwt", "private_key_jwt (signed JWT assertion)"

    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="oauth_clients")
    environment = models.CharField(max_length=16, choices=Environment.choices, default=Environment.SANDBOX)
    scopes = models.JSONField(default=list, help_text="Scopes this client may request.")
    token_endpoint_auth_method = models.CharField(max_length=32, choices=AuthMethod.choices, default=AuthMethod.BASIC)
    secret_prefix = models.CharField(max_length=16, blank=True, default="", help_text="First characters of the secret.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Null while the client works; set when the partner or staff disable it.
    disabled_at = models.DateTimeField(null=True, blank=True)
    # private_key_jwt: the client's public keys (a JWK Set); empty for secret-based clients.
    jwks = models.JSONField(default=dict, blank=True)
    # ... or where to fetch them (RFC 7591 jwks_uri): fetched through the SSRF guard, cached.
    jwks_uri = models.URLField(max_length=2000, blank=True, default="")
    # Staff-designated API gateways / resource servers: the only clients allowed to introspect.
    is_resource_server = models.BooleanField(default=False)
    # RFC 7592: HMAC of the registration access token ("" for clients made in the dashboard).
    registration_token_hash = models.CharField(max_length=64, blank=True, default="", editable=False)

    objects = OAuthClientManager()

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"
        ordering: ClassVar[list[str]] = ["-created"]
        verbose_name = "OAuth client"

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None

    def revoked_payload(self) -> dict[str, Any]:
        """partner.token.revoked for a disabled client: token_id is the client id."""
        when = self.disabled_at or timezone.now()
        return {
            "token_id": self.client_id,
            "partner_gpid": self.partner.gpid,
            "revoked_at": iso(when),
            "reason": ApiToken.RevokeReason.USER_REQUEST,
        }


class AccessContext(models.Model):
    """The SMART launch context bound to an OAuth access token: the patient in context
    (patient-level scopes are confined to that patient's compartment) and the fhirUser.
    Tokens without a row have no patient context."""

    token = models.OneToOneField(
        settings.OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL, on_delete=models.CASCADE, related_name="smart_context"
    )
    patient_id = models.CharField(max_length=64, blank=True, default="")
    fhir_user = models.CharField(max_length=200, blank=True, default="")

    def __str__(self) -> str:
        return f"token {self.token_id}: patient {self.patient_id or '—'}"


class PatientLink(models.Model):
    """A person who signs in as a patient (the sandbox's synthetic beneficiaries): the
    Patient a SMART authorization puts in context when they consent."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="patient_link")
    patient_id = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self) -> str:
        return f"{self.user} → Patient/{self.patient_id}"
