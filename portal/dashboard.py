"""The partner dashboard's "next steps" checklist, computed from real state."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import User
from django.urls import reverse

from legal import services as legal_services
from partners.models import Membership, Partner
from tokens.models import ApiToken


@dataclass(frozen=True)
class Step:
    title: str
    detail: str
    done: bool
    url: str = ""
    action: str = ""


def next_steps(*, user: User, membership: Membership) -> list[Step]:
    partner = membership.partner
    verified = EmailAddress.objects.filter(user=user, verified=True).exists()
    owed = legal_services.outstanding_documents(partner)
    has_mfa = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    review_done = partner.status == Partner.Status.APPROVED
    review_detail = {
        Partner.Status.PENDING: "A reviewer checks your organization, usually within two business days.",
        Partner.Status.CHANGES_REQUESTED: "The reviewer asked for changes: update the application and resubmit.",
        Partner.Status.APPROVED: "Your organization is verified.",
        Partner.Status.REJECTED: "The application was declined.",
    }[Partner.Status(partner.status)]
    return [
        Step(
            "Verify your email address",
            "We sent a link when you signed up; verified addresses receive security notices.",
            verified,
            reverse("account_email"),
            "Manage email",
        ),
        Step(
            "Sign the agreements",
            "Signed: all agreements needed for production."
            if not owed
            else "Still to sign: " + ", ".join(f"{d.title} v{d.version}" for d in owed) + ".",
            not owed,
            reverse("legal:dashboard"),
            "Review and sign",
        ),
        Step(
            "Create a sandbox token",
            "Synthetic data only, available while your application is reviewed.",
            ApiToken.objects.api_keys().filter(partner=partner).exists(),
            reverse("tokens:list") if partner.sandbox_open else "",
            "Create a token",
        ),
        Step(
            "Turn on two-factor authentication",
            "Protect the account that manages your organization's credentials.",
            has_mfa,
            reverse("mfa_index"),
            "Set up",
        ),
        Step(
            "Application review",
            review_detail,
            review_done,
            reverse("partners:application-edit") if partner.status == Partner.Status.CHANGES_REQUESTED else "",
            "Update application" if partner.status == Partner.Status.CHANGES_REQUESTED else "",
        ),
    ]
