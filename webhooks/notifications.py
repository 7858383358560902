"""The email a partner gets when the portal disables one of its endpoints."""

from __future__ import annotations

import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse

from lib import mail
from lib.tasks import countdown
from partners.notifications import admin_emails
from webhooks.models import Endpoint


def endpoint_disabled(endpoint: Endpoint) -> EmailMessage:
    return mail.build(
        subject=f"Webhook endpoint disabled: {endpoint.url}",
        template="webhooks/email/endpoint_disabled.txt",
        context={
            "endpoint": endpoint,
            "partner": endpoint.partner,
            "url": settings.SITE_URL + reverse("webhooks:detail", args=[endpoint.public_id]),
        },
        to=admin_emails(endpoint.partner),
    )


EMAIL_RETRY_DELAYS = (30, 300, 1800)


# The name it was registered under when it lived in webhooks.tasks: messages queued (or
# waiting for a retry) before a deploy still find it.
@shared_task(
    bind=True,
    acks_late=True,
    ignore_result=True,
    max_retries=len(EMAIL_RETRY_DELAYS),
    name="webhooks.tasks.send_endpoint_disabled_email",
)
def send_endpoint_disabled_email(self, endpoint_id: int) -> None:  # type: ignore[no-untyped-def]
    endpoint = Endpoint.objects.select_related("partner").filter(pk=endpoint_id).first()
    if endpoint is None or endpoint.is_active:
        return
    try:
        endpoint_disabled(endpoint).send()
    except (smtplib.SMTPException, OSError) as exc:
        raise self.retry(exc=exc, countdown=countdown(self.request.retries, EMAIL_RETRY_DELAYS)) from exc
