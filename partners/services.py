"""Actions on partner organizations."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from allauth.utils import generate_unique_username
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit import services as audit
from partners.models import GpidCounter, Membership, Partner, PartnerStatusChange
from partners.permissions import Action, require
from partners.types import TYPES_BY_CODE
from portal.request_context import RequestMeta

logger = logging.getLogger(__name__)

GPID_FORMAT = "CMS-{:08d}"


def allocate_gpid() -> str:
    """Next GPID. Must run inside the transaction that creates the partner: the row
    lock serialises signups and a rollback gives the number back (no gaps)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("allocate_gpid() must run inside the partner-creating transaction")
    counter, _ = GpidCounter.objects.select_for_update().get_or_create(name="gpid")
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return GPID_FORMAT.format(counter.last_value)


def create_partner(
    *,
    legal_name: str,
    partner_type: str,
    owner: User,
    status: str = Partner.Status.PENDING,
    by: User | None = None,
    meta: RequestMeta | None = None,
    status_message: str = "Partner created",
    **fields: Any,
) -> Partner:
    """Create a partner with its GPID and its owner's membership, audited. ``fields``
    are further Partner fields (contact, integration details)."""
    fields.setdefault("allowed_categories", list(TYPES_BY_CODE[partner_type].allowance))
    with transaction.atomic():
        partner = Partner.objects.create(
            gpid=allocate_gpid(), legal_name=legal_name, partner_type=partner_type, status=status, **fields
        )
        Membership.objects.create(user=owner, partner=partner, role=Membership.Role.OWNER)
        PartnerStatusChange.objects.create(
            partner=partner, to_status=status, changed_by=by or owner, message=status_message
        )
        audit.record(
            action="partner.created",
            actor=by or owner,
            partner=partner,
            obj=partner,
            meta=meta,
            details={"legal_name": legal_name, "partner_type": partner_type, "status": status},
        )
    return partner


class ApplicationError(ValidationError):
    """The application cannot be accepted as submitted (the message says which field)."""


@dataclass(frozen=True)
class Application:
    """The three wizard steps, cleaned."""

    organization: dict[str, Any]
    integration: dict[str, Any]
    account: dict[str, Any]


def submit_application(*, application: Application, meta: RequestMeta | None = None) -> Partner:
    """Create the applicant's account, the pending partner with its GPID, the owner
    membership and the signed agreements in one transaction; email applicant and staff."""
    from legal import services as legal_services
    from legal.models import LegalDocument

    org, integ, acct = application.organization, application.integration, application.account
    email = acct["email"].strip().lower()
    type_def = TYPES_BY_CODE[org["partner_type"]]
    outside = set(integ["capabilities"]) - set(type_def.allowance)
    if outside:
        raise ApplicationError({"capabilities": f"Not available to {type_def.name}: {', '.join(sorted(outside))}."})
    if integ["handles_phi"] and not acct.get("accept_baa"):
        raise ApplicationError({"accept_baa": "The BAA is required because your integration handles PHI."})
    try:
        with transaction.atomic():
            if (
                User.objects.filter(email__iexact=email).exists()
                or EmailAddress.objects.filter(email__iexact=email).exists()
            ):
                raise ApplicationError({"email": "An account with this email already exists. Sign in instead."})
            if org.get("npi") and Partner.objects.filter(legal_name__iexact=org["legal_name"], npi=org["npi"]).exists():
                raise ApplicationError(
                    {"legal_name": "This organization (same legal name and NPI) has already applied."}
                )
            user = User(username=generate_unique_username([email, org["contact_name"]]), email=email)
            first, _, last = org["contact_name"].strip().partition(" ")
            user.first_name, user.last_name = first[:150], last[:150]
            user.set_password(acct["password"])
            user.save()
            EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
            partner = create_partner(
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
            kinds = [LegalDocument.Kind.MNDA, LegalDocument.Kind.TERMS]
            if integ["handles_phi"]:
                kinds.append(LegalDocument.Kind.BAA)
            for document in LegalDocument.objects.current().filter(kind__in=kinds):
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
            transaction.on_commit(lambda: _notify("received", partner.pk))
            transaction.on_commit(lambda: _notify("new_application", partner.pk))
    except IntegrityError as exc:  # a concurrent identical submission won the race
        raise ApplicationError("This application was already submitted.") from exc
    return partner


# Which decisions a reviewer may take from each status.
_TRANSITIONS: dict[str, set[str]] = {
    Partner.Status.APPROVED: {Partner.Status.PENDING, Partner.Status.CHANGES_REQUESTED},
    Partner.Status.REJECTED: {Partner.Status.PENDING, Partner.Status.CHANGES_REQUESTED, Partner.Status.APPROVED},
    Partner.Status.CHANGES_REQUESTED: {Partner.Status.PENDING},
}


def allowed_sources(decision: str) -> set[str]:
    """The statuses from which a reviewer may take ``decision``."""
    return set(_TRANSITIONS.get(decision, set()))


def review_application(
    *, partner: Partner, decision: str, by: User, message: str = "", meta: RequestMeta | None = None
) -> Partner:
    """Approve, reject (reason required) or request changes (message required)."""
    if not by.is_staff:
        raise ValidationError("Only staff reviewers can decide on applications.")
    message = message.strip()
    if decision in (Partner.Status.REJECTED, Partner.Status.CHANGES_REQUESTED) and not message:
        what = "a reason for the rejection" if decision == Partner.Status.REJECTED else "what needs to change"
        raise ValidationError(f"Write {what}; the partner sees this message.")
    with transaction.atomic():
        partner = Partner.objects.select_for_update().get(pk=partner.pk)
        if partner.status not in _TRANSITIONS.get(decision, set()):
            raise ValidationError(
                f"{partner.legal_name} is {partner.get_status_display().lower()}; it cannot become {decision}."
            )
        previous = partner.status
        partner.status = decision
        partner.review_message = message
        partner.save(update_fields=["status", "review_message", "updated_at"])
        PartnerStatusChange.objects.create(
            partner=partner, from_status=previous, to_status=decision, changed_by=by, message=message
        )
        if decision == Partner.Status.REJECTED:  # the sandbox closes: every credential goes
            from tokens import services as token_services
            from tokens.models import ApiToken

            token_services.revoke_all(partner=partner, by=by, reason=ApiToken.RevokeReason.ADMIN_ACTION, meta=meta)
        audit.record(
            action=f"partner.{decision}",
            actor=by,
            partner=partner,
            obj=partner,
            meta=meta,
            details={"from": previous, "message": message},
        )
        transaction.on_commit(lambda: _notify("decision", partner.pk))
    return partner


EDITABLE_FIELDS = (
    "legal_name",
    "partner_type",
    "contact_name",
    "contact_email",
    "phone",
    "npi",
    "website",
    "use_case",
    "data_direction",
    "expected_volume",
    "handles_phi",
)


def resubmit_application(
    *, partner: Partner, by: User, changes: dict[str, Any], meta: RequestMeta | None = None
) -> Partner:
    """After a reviewer asked for changes: apply the partner's edits and put it back in review."""
    with transaction.atomic():
        partner = Partner.objects.select_for_update().get(pk=partner.pk)
        if partner.status != Partner.Status.CHANGES_REQUESTED:
            raise ValidationError("Only an application with changes requested can be resubmitted.")
        require(
            partner=partner,
            user=by,
            action=Action.MANAGE_TEAM,
            message="Only an owner or admin can resubmit the application.",
        )
        type_def = TYPES_BY_CODE[changes.get("partner_type", partner.partner_type)]
        outside = set(changes.get("capabilities", [])) - set(type_def.allowance)
        if outside:
            raise ApplicationError({"capabilities": f"Not available to {type_def.name}: {', '.join(sorted(outside))}."})
        before = {f: getattr(partner, f) for f in EDITABLE_FIELDS}
        for field in EDITABLE_FIELDS:
            if field in changes:
                value = changes[field]
                setattr(partner, field, value.strip() if isinstance(value, str) else value)
        if "capabilities" in changes:
            partner.requested_categories = sorted(changes["capabilities"])
        # The allowance stays as staff left it; the reviewer adjusts it when deciding.
        partner.status = Partner.Status.PENDING
        partner.submitted_at = timezone.now()
        partner.save()
        changed = sorted(f for f in EDITABLE_FIELDS if getattr(partner, f) != before[f])
        PartnerStatusChange.objects.create(
            partner=partner,
            from_status=Partner.Status.CHANGES_REQUESTED,
            to_status=Partner.Status.PENDING,
            changed_by=by,
            message="Resubmitted after changes" + (f" ({', '.join(changed)})" if changed else ""),
        )
        audit.record(
            action="partner.application_resubmitted",
            actor=by,
            partner=partner,
            obj=partner,
            meta=meta,
            details={"changed": changed},
        )
        transaction.on_commit(lambda: _notify("new_application", partner.pk))
    return partner


def _notify(kind: str, partner_id: int) -> None:
    from partners.tasks import send_notification

    try:
        send_notification.delay(kind, partner_id)
    except Exception:
        logger.exception("Could not queue the %s email for partner %s", kind, partner_id)
