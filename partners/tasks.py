from __future__ import annotations

import smtplib

from celery import shared_task

from partners import notifications
from partners.models import Partner

RETRY_DELAYS = (30, 300, 1800)


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=len(RETRY_DELAYS))
def send_notification(self, kind: str, partner_id: int) -> None:  # type: ignore[no-untyped-def]
    """Send one application email; retried on mail-server failures."""
    partner = Partner.objects.filter(pk=partner_id).first()
    if partner is None:
        return
    try:
        notifications.build(kind, partner).send()
    except (smtplib.SMTPException, OSError) as exc:
        raise self.retry(exc=exc, countdown=RETRY_DELAYS[min(self.request.retries, len(RETRY_DELAYS) - 1)]) from exc
