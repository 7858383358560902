"""Emails about applications: what they say and who receives them."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from partners.models import Membership, Partner

KINDS = ("received", "new_application", "decision")


def owner_emails(partner: Partner) -> list[str]:
    owners = partner.memberships.filter(role=Membership.Role.OWNER).select_related("user")
    emails = {m.user.email for m in owners if m.user.email}
    if partner.contact_email:
        emails.add(partner.contact_email)
    return sorted(emails)


def build(kind: str, partner: Partner) -> EmailMessage:
    if kind not in KINDS:
        raise ValueError(f"Unknown notification {kind!r}")
    change = partner.status_changes.first()
    context = {"partner": partner, "change": change, "site_url": settings.SITE_URL}
    if kind == "new_application":
        recipients = list(settings.STAFF_NOTIFICATION_EMAILS)
        subject = f"New partner application: {partner.legal_name} ({partner.gpid})"
    elif kind == "received":
        recipients = owner_emails(partner)
        subject = f"We received your application — {partner.gpid}"
    else:
        recipients = owner_emails(partner)
        subject = f"Your application {partner.gpid}: {partner.get_status_display()}"
    body = render_to_string(f"partners/email/{kind}.txt", context)
    return EmailMessage(
        subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
    )
