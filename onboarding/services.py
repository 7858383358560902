"""Submitting an application: the applicant's account, the pending partner with its GPID,
the owner membership and the signed agreements, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit import services as audit
from legal import services as legal_services
from lib import ratelimit
from lib.request_context import RequestMeta
from lib.tasks import queue_after_commit
from partners import accounts, tasks
from partners import services as partner_services
from partners.models import Partner
from partners.types import TYPES_BY_CODE

# Each submission creates an account and a partner and sends two emails: bounded per
# client address and per email address (the wizard's steps are bounded per address too).
SUBMITS_PER_IP = (5, 3600)
SUBMITS_PER_EMAIL = (3, 24 * 3600)
STEPS_PER_IP = (120, 600)


@dataclass(frozen=True)
class Application:
    """The three wizard steps, cleaned. ``accepted``: kinds of the documents ticked."""

    organization: dict[str, Any]
    integration: dict[str, Any]
    account: dict[str, Any]
    accepted: list[str]


def check_step_rate(meta: RequestMeta) -> None:
    """Every wizard POST counts against the client address (the email check on the last
    step must not become an unlimited oracle)."""
    limit, period = STEPS_PER_IP
    ratelimit.check(
        f"signup-step:ip:{meta.ip}",
        limit=limit,
        period=period,
        message="Too many signup requests from your network; wait a few minutes and try again.",
    )


def submit_application(*, application: Application, meta: RequestMeta) -> Partner:
    """Create the applicant's account, the pending partner, the owner membership and the
    acceptances of every document signup requires; email applicant and staff."""
    org, integ, acct = application.organization, application.integration, application.account
    email = acct["email"].strip().lower()
    for key, (limit, period) in ((f"ip:{meta.ip}", SUBMITS_PER_IP), (f"email:{email}", SUBMITS_PER_EMAIL)):
        ratelimit.check(
            f"signup-submit:{key}",
            limit=limit,
            period=period,
            message="Too many applications from this address; wait an hour, or write to us if you need more.",
        )
    type_def = TYPES_BY_CODE[org["partner_type"]]
    outside = set(integ["capabilities"]) - set(type_def.allowance)
    if outside:
        raise ValidationError({"capabilities": f"Not available to {type_def.name}: {', '.join(sorted(outside))}."})
    documents = list(legal_services.required_for(handles_phi=integ["handles_phi"], for_production=False))
    missing = [d for d in documents if d.kind not in application.accepted]
    if missing:
        raise ValidationError(
            {f"accept_{d.kind}": f"Accept the {d.title} to continue." for d in missing}  # the form's field names
        )
    try:
        with transaction.atomic():
            user = accounts.create_account(
                email=email,
                password=acct["password"],
                full_name=org["contact_name"],
                email_verified=False,
                meta=meta,
            )
            partner = partner_services.create_partner(
                legal_name=org["legal_name"].strip(),
                partner_type=type_def.code,
                owner=user,
                meta=meta,
                status_message="Application submitted",
                contact_name=org["contact_name"].strip(),
                contact_email=org["contact_email"].strip().lower(),
                phone=org.get("phone", ""),
                npi=org.get("npi", ""),
                website=org.get("website", ""),
                use_case=integ["use_case"].strip(),
                requested_categories=sorted(integ["capabilities"]),
                data_direction=integ["data_direction"],
                expected_volume=integ["expected_volume"],
                handles_phi=integ["handles_phi"],
                submitted_at=timezone.now(),
            )
            for document in documents:
                legal_services.accept_document(
                    partner=partner,
                    document=document,
                    signer=user,
                    signer_name=acct["signer_name"],
                    signer_title=acct["signer_title"],
                    meta=meta,
                )
            audit.record(
                action="partner.application_submitted",
                actor=user,
                partner=partner,
                obj=partner,
                meta=meta,
                details={"partner_type": partner.partner_type, "capabilities": partner.requested_categories},
            )
            queue_after_commit(tasks.send_notification, "received", partner.pk)
            queue_after_commit(tasks.send_notification, "new_application", partner.pk)
    except IntegrityError as exc:  # a concurrent identical submission won the race
        raise ValidationError("This application was already submitted.") from exc
    return partner
