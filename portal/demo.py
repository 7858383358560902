"""Demo data: the fixed logins `make run` prints and tests/benchmarks rely on."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from legal import services as legal_services
from legal.models import LegalDocument
from partners import accounts
from partners import services as partner_services
from partners.models import Partner
from sandbox import lake
from sandbox.synthetic import beneficiaries
from tokens import keys
from tokens import services as token_services
from tokens.models import ApiToken, OAuthClient
from tokens.oauth import secret_matches

STAFF_USERNAME = "staff"
STAFF_EMAIL = "staff@portal.localhost"
STAFF_PASSWORD = "staff-demo-Passw0rd!"  # noqa: S105 - demo credential, printed by make run
PARTNER_EMAIL = "alice@acme-health.example"
PARTNER_PASSWORD = "alice-demo-Passw0rd!"  # noqa: S105
PARTNER_NAME = "Acme Health Plan"


@dataclass
class DemoResult:
    staff: User
    partner_user: User
    partner: Partner
    api_token: str
    oauth_client: dict[str, str]
    resource_server: dict[str, str]
    beneficiaries: list[dict[str, str]]

    def as_json(self) -> dict[str, Any]:
        return {
            "staff": {"username": STAFF_USERNAME, "email": STAFF_EMAIL, "password": STAFF_PASSWORD},
            "partner": {"gpid": self.partner.gpid, "email": PARTNER_EMAIL, "password": PARTNER_PASSWORD},
            "api_token": self.api_token,
            "oauth_client": self.oauth_client,
            "resource_server": self.resource_server,
            "beneficiaries": self.beneficiaries,
        }


def _user(*, username: str, email: str, password: str, full_name: str, staff: bool = False) -> User:
    """Create (through the account service) or reset a demo user with a verified email."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        user = accounts.create_account(email=email, password=password, full_name=full_name, email_verified=True)
        user.username = username
    user.email = email
    user.is_staff = user.is_superuser = staff
    user.is_active = True
    user.set_password(password)
    user.save()
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


@transaction.atomic
def seed() -> DemoResult:
    legal_services.publish_documents()  # normally done by migrations; harmless when already there
    staff = _user(
        username=STAFF_USERNAME, email=STAFF_EMAIL, password=STAFF_PASSWORD, full_name="Sam Staff", staff=True
    )
    alice = _user(username="alice", email=PARTNER_EMAIL, password=PARTNER_PASSWORD, full_name="Alice Anders")
    partner = Partner.objects.filter(memberships__user=alice, legal_name=PARTNER_NAME).first()
    if partner is None:
        partner = partner_services.create_partner(
            legal_name=PARTNER_NAME,
            partner_type=Partner.Type.PAYER,
            owner=alice,
            status=Partner.Status.APPROVED,
            by=staff,
            handles_phi=True,  # a payer: claims data is PHI, so the BAA applies
        )
    if not partner.handles_phi:
        partner = partner_services.update_partner(partner=partner, by=staff, changes={"handles_phi": True})
    for kind in (LegalDocument.Kind.MNDA, LegalDocument.Kind.BAA, LegalDocument.Kind.TERMS):
        document = LegalDocument.objects.current().get(kind=kind)
        legal_services.accept_document(
            partner=partner,
            document=document,
            signer=alice,
            signer_name="Alice Anders",
            signer_title="Chief Executive Officer",
        )
    _other_applications(staff)
    return DemoResult(
        staff=staff,
        partner_user=alice,
        partner=partner,
        api_token=_demo_token(partner, alice),
        oauth_client=_demo_oauth_client(partner, alice),
        resource_server=_demo_resource_server(partner, alice, staff),
        beneficiaries=_demo_lake(),
    )


def _demo_lake() -> list[dict[str, str]]:
    """The synthetic lake and its beneficiaries' sign-ins (loaded once; skipped when the
    lake already holds the same data)."""
    patients = settings.SANDBOX_DEMO_PATIENTS
    lake.load(patients=patients)
    people = lake.ensure_logins(beneficiaries(patients))
    return [{"username": b.username, "password": b.password, "patient_id": b.patient_id} for b in people]


DEMO_TOKEN_SCOPES = ["cms.partner.read", "cms.partner.write", "cms.fhir.r4.read", "cms.pipeline.read", "cms.sdk.read"]


def _demo_token(partner: Partner, owner: User) -> str:
    """The demo sandbox API token. Its secret is derived from SECRET_KEY so every run
    prints the same working token (seed_demo refuses to run in production)."""
    seed = f"demo-api-token:{settings.SECRET_KEY}".encode()
    expected = keys.generate(keys.ENV_PREFIX["sandbox"], seed=seed)
    if not ApiToken.objects.active().filter(lookup=expected.lookup).exists():
        ApiToken.objects.filter(lookup=expected.lookup).delete()  # revoked or expired earlier: issue it again
        token_services.create_api_token(
            partner=partner,
            name="demo token",
            scopes=DEMO_TOKEN_SCOPES,
            environment="sandbox",
            expires_in_days=None,
            by=owner,
            seed=seed,
        )
    return expected.full


def _other_applications(staff: User) -> None:
    """A pending application and a rejected one, for the review queue."""
    pending_owner = _user(
        username="nora", email="nora@northwind-apps.example", password=PARTNER_PASSWORD, full_name="Nora North"
    )
    if not Partner.objects.filter(memberships__user=pending_owner).exists():
        partner_services.create_partner(
            legal_name="Northwind Patient Apps",
            partner_type=Partner.Type.PATIENT_APP,
            owner=pending_owner,
            status_message="Application submitted",
            contact_name="Nora North",
            contact_email=pending_owner.email,
            phone="+1 202 555 0142",
            use_case="A mobile app that lets Medicare beneficiaries see their claims and share them with caregivers.",
            requested_categories=["smart-on-fhir"],
            data_direction=Partner.DataDirection.OUTBOUND,
            expected_volume=Partner.Volume.LOW,
            handles_phi=True,
            submitted_at=timezone.now(),
        )
    rejected_owner = _user(
        username="rex", email="rex@datamarket.example", password=PARTNER_PASSWORD, full_name="Rex Ray"
    )
    if not Partner.objects.filter(memberships__user=rejected_owner).exists():
        rejected = partner_services.create_partner(
            legal_name="Data Market Resale LLC",
            partner_type=Partner.Type.RESEARCH,
            owner=rejected_owner,
            contact_name="Rex Ray",
            contact_email=rejected_owner.email,
            use_case="Aggregate claims data and resell audience segments to advertisers.",
            requested_categories=["horizon-analytics"],
            data_direction=Partner.DataDirection.OUTBOUND,
            expected_volume=Partner.Volume.HIGH,
            submitted_at=timezone.now(),
        )
        partner_services.review_application(
            partner=rejected,
            decision=Partner.Status.REJECTED,
            by=staff,
            message="Reselling patient data for advertising is a prohibited use under the Terms of Use (section 5).",
        )


DEMO_CLIENT_ID = "demo-client-credentials"
DEMO_CLIENT_SCOPES = ["cms.partner.read", "cms.fhir.r4.read", "cms.pipeline.read", "cms.sdk.read"]
DEMO_RESOURCE_SERVER_ID = "demo-resource-server"


def _demo_oauth_client(partner: Partner, owner: User) -> dict[str, str]:
    """A client_credentials client with a secret derived from SECRET_KEY (demo only)."""
    secret = _demo_client(DEMO_CLIENT_ID, "demo client_credentials", partner, owner, DEMO_CLIENT_SCOPES)
    return {"client_id": DEMO_CLIENT_ID, "client_secret": secret, "scope": " ".join(DEMO_CLIENT_SCOPES)}


def _demo_resource_server(partner: Partner, owner: User, staff: User) -> dict[str, str]:
    """The demo API gateway: the only kind of credential allowed to introspect tokens."""
    secret = _demo_client(
        DEMO_RESOURCE_SERVER_ID, "demo resource server (gateway)", partner, owner, ["cms.fhir.r4.read"], staff
    )
    return {"client_id": DEMO_RESOURCE_SERVER_ID, "client_secret": secret}


def _demo_client(
    client_id: str, name: str, partner: Partner, owner: User, scopes: list[str], gateway_by: User | None = None
) -> str:
    """Issue the demo client through the services (audited like any other), unless it is
    still there as issued; a demo client someone disabled or rotated is issued again."""
    secret = hashlib.sha256(f"demo-oauth-client:{client_id}:{settings.SECRET_KEY}".encode()).hexdigest()
    existing = OAuthClient.objects.filter(client_id=client_id).first()
    usable = existing is not None and existing.is_active and secret_matches(secret, existing.client_secret)
    if existing is not None and usable and existing.is_resource_server == (gateway_by is not None):
        return secret
    if existing is not None:
        existing.delete()
    issued = token_services.create_oauth_client(
        partner=partner, name=name, scopes=scopes, by=owner, fixed_id=client_id, fixed_secret=secret
    )
    if gateway_by is not None:
        token_services.set_resource_server(client=issued.client, resource_server=True, by=gateway_by)
    return secret
