"""Delivery tasks: one attempt per run, a sweeper for anything the broker lost or
that waits longer than a countdown should, and the endpoint-disabled email."""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

logger = logging.getLogger(__name__)

EMAIL_RETRY_DELAYS = (30, 300, 1800)
SWEEP_BATCH = 1000


def queue_deliveries(delivery_ids: list[int]) -> None:
    """Queue one task per delivery. A broker outage loses nothing: the rows are in the
    database and the sweeper queues them once it is back."""
    try:
        for delivery_id in delivery_ids:
            deliver.delay(delivery_id)
    except Exception:  # broker unreachable: the sweeper will pick these up
        logger.warning("webhook deliveries not queued; the sweeper will send them", exc_info=True)


@shared_task(
    bind=True,
    acks_late=True,
    ignore_result=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=10,
)
def deliver(self, delivery_id: int) -> None:  # type: ignore[no-untyped-def]
    """One attempt of one delivery. Safe to run twice: the second run finds the row
    claimed, done, or not yet due, and does nothing."""
    from webhooks import delivery

    outcome = delivery.attempt(delivery_id, owner=self.request.id or "")
    if outcome is not None and outcome.next_in is not None and outcome.next_in <= settings.WEBHOOKS_MAX_COUNTDOWN:
        deliver.apply_async((delivery_id,), countdown=outcome.next_in)


@shared_task(acks_late=True, ignore_result=True)
def sweep() -> int:
    """Queue deliveries that are due but have no task on its way: retries scheduled
    further ahead than a countdown, and anything queued while the broker was down.
    Runs every 15 s from beat; a grace period keeps it off deliveries whose countdown
    task is about to run."""
    from webhooks.models import Delivery

    now = timezone.now()
    overdue = Delivery.objects.due(now).filter(
        next_attempt_at__lte=now - timedelta(seconds=settings.WEBHOOKS_SWEEP_GRACE)
    )
    ids = list(overdue.order_by("next_attempt_at").values_list("pk", flat=True)[:SWEEP_BATCH])
    queue_deliveries(ids)
    return len(ids)


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=len(EMAIL_RETRY_DELAYS))
def send_endpoint_disabled_email(self, endpoint_id: int) -> None:  # type: ignore[no-untyped-def]
    from webhooks import notifications
    from webhooks.models import Endpoint

    endpoint = Endpoint.objects.select_related("partner").filter(pk=endpoint_id).first()
    if endpoint is None or endpoint.is_active:
        return
    try:
        notifications.endpoint_disabled(endpoint).send()
    except (smtplib.SMTPException, OSError) as exc:
        delay = EMAIL_RETRY_DELAYS[min(self.request.retries, len(EMAIL_RETRY_DELAYS) - 1)]
        raise self.retry(exc=exc, countdown=delay) from exc
