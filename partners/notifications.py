"""Emails about applications and invitations: what they say and who receives them."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage

from lib import mail
from partners.models import Invitation, Membership, Partner

KINDS = ("received", "new_application", "decision")


def owner_emails(partner: Partner) -> list[str]:
    owners = partner.memberships.filter(role=Membership.Role.OWNER).select_related("user")
    emails = {m.user.email for m in owners if m.user.email}
    if partner.contact_email:
        emails.add(partner.contact_email)
    return sorted(emails)


def admin_emails(partner: Partner) -> list[str]:
    """Owners, admins and the contact address: who hears about operational problems."""
    admins = partner.memberships.filter(role=Membership.Role.ADMIN).select_related("user")
    return sorted(set(owner_emails(partner)) | {m.user.email for m in admins if m.user.email})


def build(kind: str, partner: Partner) -> EmailMessage:
    if kind not in KINDS:
        raise ValueError(f"Unknown notification {kind!r}")
    if kind == "new_application":
        recipients = list(settings.STAFF_NOTIFICATION_EMAILS)
        subject = f"New partner application: {partner.legal_name} ({partner.gpid})"
    elif kind == "received":
        recipients = owner_emails(partner)
        subject = f"We received your application — {partner.gpid}"
    else:
        recipients = owner_emails(partner)
        subject = f"Your application {partner.gpid}: {partner.get_status_display()}"
    return mail.build(
        subject=subject,
        template=f"partners/email/{kind}.txt",
        context={"partner": partner, "change": partner.status_changes.first()},
        to=recipients,
    )


def invitation(invitation: Invitation) -> EmailMessage:
    return mail.build(
        subject=f"Join {invitation.partner.legal_name} on the developer portal",
        template="partners/email/invitation.txt",
        context={"invitation": invitation, "url": invitation.url},
        to=[invitation.email],
    )
