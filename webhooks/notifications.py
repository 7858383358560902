"""The email a partner gets when the portal disables one of its endpoints."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from partners.models import Membership
from partners.notifications import owner_emails
from webhooks.models import Endpoint


def endpoint_disabled(endpoint: Endpoint) -> EmailMessage:
    partner = endpoint.partner
    admins = partner.memberships.filter(role=Membership.Role.ADMIN).select_related("user")
    recipients = sorted(set(owner_emails(partner)) | {m.user.email for m in admins if m.user.email})
    body = render_to_string(
        "webhooks/email/endpoint_disabled.txt",
        {
            "endpoint": endpoint,
            "partner": partner,
            "url": settings.SITE_URL + reverse("webhooks:detail", args=[endpoint.public_id]),
        },
    )
    return EmailMessage(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}Webhook endpoint disabled: {endpoint.url}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
    )
