"""Every email the portal sends, built one way: a subject with the portal's prefix, a
plain-text body from a template, our sender address."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string


def build(*, subject: str, template: str, context: dict[str, Any], to: Iterable[str]) -> EmailMessage:
    recipients = sorted({address for address in to if address})
    body = render_to_string(template, {"site_url": settings.SITE_URL, **context})
    return EmailMessage(
        subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
    )
