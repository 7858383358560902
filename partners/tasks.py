from __future__ import annotations

import smtplib

from celery import shared_task

from lib.tasks import countdown
from partners import notifications
from partners.models import Invitation, Partner

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
        raise self.retry(exc=exc, countdown=countdown(self.request.retries, RETRY_DELAYS)) from exc


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=len(RETRY_DELAYS))
def send_invitation(self, invitation_id: int) -> None:  # type: ignore[no-untyped-def]
    """Email the signed invitation link; retried on mail-server failures."""
    invitation = Invitation.objects.select_related("partner", "invited_by").filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_pending:
        return
    try:
        notifications.invitation(invitation).send()
    except (smtplib.SMTPException, OSError) as exc:
        raise self.retry(exc=exc, countdown=countdown(self.request.retries, RETRY_DELAYS)) from exc
