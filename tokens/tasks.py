from __future__ import annotations

from celery import shared_task
from oauth2_provider.models import clear_expired


@shared_task(acks_late=True, ignore_result=True)
def clear_expired_oauth_tokens() -> None:
    """Beat, hourly: delete expired OAuth access, refresh and grant rows."""
    clear_expired()
