"""Delivery tasks: a drain that sends every due delivery (one queued at a time, however
many events arrive), a sweeper for anything the broker lost or that waits longer than a
countdown should, and the endpoint-disabled email."""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from webhooks import delivery
from webhooks.models import Delivery

logger = logging.getLogger(__name__)

# Set while a drain task is queued or running; emits during that time queue nothing more.
DRAIN_FLAG = "webhooks:drain-queued"
HELPER_FLAG = "webhooks:drain-helper"


def queue_deliveries(delivery_ids: list[int]) -> None:
    """After commit: make sure a drain task will send these. A broker outage loses
    nothing: the rows are in the database and the sweeper starts a drain once it is back."""
    if delivery_ids:
        kick()


def kick(*, helper: bool = False) -> None:
    """Queue a drain unless one is already queued or running (or, for ``helper``, unless
    a helper was started in the last second)."""
    try:
        if cache.add(HELPER_FLAG if helper else DRAIN_FLAG, 1, timeout=1 if helper else 10):
            deliver.delay()
    except Exception:  # broker (or cache) unreachable: the sweeper will pick these up
        with contextlib.suppress(Exception):
            cache.delete(DRAIN_FLAG)
        logger.warning("webhook deliveries not queued; the sweeper will send them", exc_info=True)


# No automatic retry: a re-run under the same task id would take back leases whose
# requests are still in flight. If the database fails, the task fails; its leases
# expire and the sweeper starts a new drain.
@shared_task(bind=True, acks_late=True, ignore_result=True)
def deliver(self, delivery_id: int | None = None) -> int:  # type: ignore[no-untyped-def]
    """Send every due delivery (``delivery_id`` is a hint, for retries scheduled by
    countdown). Safe to run twice and side by side: rows are claimed with a lease, so a
    second run finds them claimed, done, or not yet due."""
    owner = self.request.id or "local"

    def retry_later(pending_id: int, seconds: float) -> None:
        if seconds <= settings.WEBHOOKS_MAX_COUNTDOWN:
            deliver.apply_async((pending_id,), countdown=seconds)
        # longer waits: the sweeper starts a drain when they fall due

    def helper() -> None:
        kick(helper=True)

    sent, dry = delivery.drain(owner=owner, on_retry=retry_later, more_work=helper)
    if not dry:  # out of time with work left: hand over to a fresh task
        deliver.delay()
        return sent
    # Let the next emit queue a drain, then look once more: anything committed before
    # the flag went away is ours to send.
    cache.delete(DRAIN_FLAG)
    more, dry = delivery.drain(owner=owner, on_retry=retry_later, more_work=helper, budget=5.0)
    if not dry:
        kick()
    return sent + more


@shared_task(acks_late=True, ignore_result=True)
def sweep() -> int:
    """Start a drain when deliveries are overdue: retries scheduled further ahead than a
    countdown, and anything emitted while the broker was down. Runs every 15 s from
    beat; the grace period leaves alone what a running drain is about to send."""
    now = timezone.now()
    overdue = Delivery.objects.due(now).filter(
        next_attempt_at__lte=now - timedelta(seconds=settings.WEBHOOKS_SWEEP_GRACE)
    )
    count = overdue.count()
    if count:
        cache.delete(DRAIN_FLAG)  # a drain that should have been running is not
        kick()
    return count
