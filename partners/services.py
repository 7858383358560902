"""Actions on partner organizations."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from audit import services as audit
from partners.models import GpidCounter, Membership, Partner
from portal.request_context import RequestMeta

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
) -> Partner:
    """Create a partner with its GPID and its owner's membership, audited."""
    with transaction.atomic():
        partner = Partner.objects.create(
            gpid=allocate_gpid(), legal_name=legal_name, partner_type=partner_type, status=status
        )
        Membership.objects.create(user=owner, partner=partner, role=Membership.Role.OWNER)
        audit.record(
            action="partner.created",
            actor=by or owner,
            partner=partner,
            obj=partner,
            meta=meta,
            details={"legal_name": legal_name, "partner_type": partner_type, "status": status},
        )
    return partner
