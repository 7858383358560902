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


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=len(RETRY_DELAYS))
def send_invitation(self, invitation_id: int) -> None:  # type: ignore[no-untyped-def]
    """Email the signed invitation link; retried on mail-server failures."""
    from django.conf import settings
    from django.core.mail import EmailMessage
    from django.template.loader import render_to_string

    from partners import team
    from partners.models import Invitation

    invitation = Invitation.objects.select_related("partner", "invited_by").filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_pending:
        return
    body = render_to_string(
        "partners/email/invitation.txt", {"invitation": invitation, "url": team.invitation_url(invitation)}
    )
    message = EmailMessage(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}Join {invitation.partner.legal_name} on the developer portal",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.email],
    )
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        raise self.retry(exc=exc, countdown=RETRY_DELAYS[min(self.request.retries, len(RETRY_DELAYS) - 1)]) from exc
