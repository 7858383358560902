"""Actions on partner organizations: creation, review, staff edits, resubmission, and the
one "may this partner have one more?" check every credential-making service runs."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from audit import services as audit
from lib.request_context import RequestMeta
from lib.tasks import queue_after_commit
from partners import tasks
from partners.models import GpidCounter, Membership, Partner, PartnerStatusChange
from partners.permissions import Action, SandboxClosed, require, require_staff
from partners.signals import allowance_narrowed, partner_reviewed
from partners.types import TYPES_BY_CODE
from scopes.catalog import CATEGORIES_BY_SLUG

GPID_FORMAT = "CMS-{:08d}"


REVIEW_PERMISSION = "partners.change_partner"


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
        if fields.get("npi") and Partner.objects.holding_name(legal_name, fields["npi"]).exists():
            raise ValidationError({"legal_name": "This organization (same legal name and NPI) has already applied."})
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


def reserve(*, partner: Partner, existing: QuerySet[Any], limit: int, what: str) -> Partner:
    """Before creating a credential or an endpoint, inside the caller's transaction: lock
    the partner row (parallel requests queue here, so none slips past the limit), refuse
    when its sandbox is closed or ``existing`` already holds ``limit`` items. Returns the
    locked, fresh partner."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("reserve() must run inside the creating transaction")
    locked = Partner.objects.select_for_update().get(pk=partner.pk)
    if not locked.sandbox_open:
        raise SandboxClosed(f"This organization's application was declined; {what} cannot be created.")
    if existing.count() >= limit:
        raise ValidationError(
            f"{locked.legal_name} already has {limit} {what}, the most allowed; remove one you no longer use first."
        )
    return locked


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
    """Approve, reject (reason required) or request changes (message required). A
    rejection closes the sandbox: the credential apps revoke everything (partner_reviewed)."""
    require_staff(by, REVIEW_PERMISSION, "Only staff reviewers with permission to change partners can decide.")
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
        audit.record(
            action=f"partner.{decision}",
            actor=by,
            partner=partner,
            obj=partner,
            meta=meta,
            details={"from": previous, "message": message},
        )
        partner_reviewed.send(Partner, partner=partner, decision=decision, previous=previous, by=by, meta=meta)
        queue_after_commit(tasks.send_notification, "decision", partner.pk)
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
STAFF_EDITABLE_FIELDS = (*EDITABLE_FIELDS, "allowed_categories")


def _diff(instance: Model, before: dict[str, Any], fields: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    return {f: {"from": before[f], "to": getattr(instance, f)} for f in fields if getattr(instance, f) != before[f]}


def check_partner_changes(partner: Partner, changes: dict[str, Any]) -> dict[str, Any]:
    """The staff edit, normalized, or a ValidationError naming the field: also what the
    admin form runs before saving, so a refused edit is shown on the form."""
    unknown = sorted(set(changes) - set(STAFF_EDITABLE_FIELDS))
    if unknown:
        raise ValidationError(f"These fields cannot be edited: {', '.join(unknown)}.")
    if "partner_type" in changes and changes["partner_type"] not in TYPES_BY_CODE:
        raise ValidationError({"partner_type": f"Unknown partner type {changes['partner_type']!r}."})
    clean = {k: v.strip() if isinstance(v, str) else v for k, v in changes.items()}
    if "allowed_categories" in clean:
        categories = list(dict.fromkeys(clean["allowed_categories"]))
        outside = [c for c in categories if c not in CATEGORIES_BY_SLUG]
        if outside:
            raise ValidationError({"allowed_categories": f"Unknown scope categories: {', '.join(outside)}."})
        clean["allowed_categories"] = [c for c in CATEGORIES_BY_SLUG if c in categories]
    name, npi = clean.get("legal_name", partner.legal_name), clean.get("npi", partner.npi)
    if npi and Partner.objects.holding_name(name, npi).exclude(pk=partner.pk).exists():
        raise ValidationError({"legal_name": "Another live application holds this legal name and NPI."})
    return clean


def update_partner(*, partner: Partner, by: User, changes: dict[str, Any], meta: RequestMeta | None = None) -> Partner:
    """Staff edit a partner (admin): profile fields, partner type, PHI flag and the
    allowance of scope categories. Audited with before and after. Narrowing the allowance
    takes the removed categories off every live credential at once (allowance_narrowed)."""
    require_staff(by, REVIEW_PERMISSION, "Only staff with permission to change partners can edit them.")
    with transaction.atomic():
        partner = Partner.objects.select_for_update().get(pk=partner.pk)
        clean = check_partner_changes(partner, changes)
        before = {f: getattr(partner, f) for f in STAFF_EDITABLE_FIELDS}
        for field, value in clean.items():
            setattr(partner, field, value)
        changed = _diff(partner, before, STAFF_EDITABLE_FIELDS)
        if not changed:
            return partner
        partner.save()
        audit.record(action="partner.updated", actor=by, partner=partner, obj=partner, meta=meta, details=changed)
        removed = sorted(set(before["allowed_categories"]) - set(partner.allowed_categories))
        if removed:
            allowance_narrowed.send(Partner, partner=partner, removed=removed, by=by, meta=meta)
    return partner


def release_name(*, partner: Partner, by: User, meta: RequestMeta | None = None) -> Partner:
    """Staff let another application use this partner's legal name and NPI (a squatted
    or mistaken application). Rejected applications release theirs by themselves."""
    require_staff(by, REVIEW_PERMISSION, "Only staff with permission to change partners can release a name.")
    with transaction.atomic():
        partner = Partner.objects.select_for_update().get(pk=partner.pk)
        if partner.name_released_at is not None:
            return partner
        partner.name_released_at = timezone.now()
        partner.save(update_fields=["name_released_at", "updated_at"])
        audit.record(
            action="partner.name_released",
            actor=by,
            partner=partner,
            obj=partner,
            meta=meta,
            details={"legal_name": partner.legal_name, "npi": partner.npi},
        )
    return partner


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
            raise ValidationError({"capabilities": f"Not available to {type_def.name}: {', '.join(sorted(outside))}."})
        before = {f: getattr(partner, f) for f in EDITABLE_FIELDS}
        for field in EDITABLE_FIELDS:
            if field in changes:
                value = changes[field]
                setattr(partner, field, value.strip() if isinstance(value, str) else value)
        if "capabilities" in changes:
            partner.requested_categories = sorted(changes["capabilities"])
        if partner.npi and Partner.objects.holding_name(partner.legal_name, partner.npi).exclude(pk=partner.pk):
            raise ValidationError({"legal_name": "This organization (same legal name and NPI) has already applied."})
        # The allowance stays as staff left it; the reviewer adjusts it when deciding.
        partner.status = Partner.Status.PENDING
        partner.submitted_at = timezone.now()
        partner.save()
        changed = sorted(_diff(partner, before, EDITABLE_FIELDS))
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
        queue_after_commit(tasks.send_notification, "new_application", partner.pk)
    return partner
