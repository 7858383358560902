"""Sending one delivery attempt and deciding what happens next.

The database is the schedule: a delivery is ``pending`` with ``next_attempt_at`` until
it succeeds or runs out of attempts. A task claims the row with a lease (its own task
id, so a message redelivered after its worker died can take its claim back), sends,
records the attempt and sets the next time. Short waits are queued as Celery countdowns;
long ones are picked up by the sweeper, because Redis redelivers any message left
unacknowledged past its visibility timeout (an hour), which would duplicate retries
scheduled hours ahead.
"""

from __future__ import annotations

import contextlib
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidTag
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from webhooks import http, services, signing
from webhooks.models import Delivery, DeliveryAttempt, Endpoint, Environment
from webhooks.ssrf import BlockedDestination, resolve

LEASE_MARGIN = timedelta(seconds=30)
INTERRUPTED = "Interrupted: the worker stopped before the response was recorded."


def retry_delays() -> list[int]:
    return list(settings.WEBHOOKS_RETRY_DELAYS)


def jittered(seconds: float) -> float:
    """±10 %, so endpoints that failed together are not retried in lockstep."""
    return max(1.0, seconds * random.uniform(0.9, 1.1))  # noqa: S311 - spreading load, not secrecy


@dataclass(frozen=True)
class Outcome:
    status: str
    next_in: float | None  # seconds until the next attempt, when still pending


def signed_headers(endpoint: Endpoint, msg_id: str, body: str, timestamp: int) -> dict[str, str]:
    in_use = [signing.decrypt(endpoint.secret_ciphertext, bound_to=endpoint.public_id)]
    if endpoint.previous_secret_valid():
        # Sealed under a server key that has since changed: sign with the new secret only.
        with contextlib.suppress(InvalidTag):
            in_use.append(signing.decrypt(endpoint.previous_secret_ciphertext, bound_to=endpoint.public_id))
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signing.signature_header(in_use, msg_id, timestamp, body),
    }


def _claim(delivery_id: int, owner: str) -> tuple[bool, bool]:
    """(claimed, the previous claim was cut short). A claim succeeds when the delivery is
    due and nobody else holds a live lease; a lease held under our own task id means
    this message was redelivered after the worker running it died."""
    now = timezone.now()
    row = Delivery.objects.filter(pk=delivery_id).values("status", "next_attempt_at", "lease_owner").first()
    if row is None or row["status"] != Delivery.Status.PENDING:
        return False, False
    if row["next_attempt_at"] is not None and row["next_attempt_at"] > now and row["lease_owner"] != owner:
        return False, False
    lease_free = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now) | Q(lease_owner=owner)
    claimed = (
        Delivery.objects.filter(lease_free, pk=delivery_id, status=Delivery.Status.PENDING)
        .filter(lease_owner=row["lease_owner"])
        .update(lease_owner=owner, lease_expires_at=now + timedelta(seconds=settings.WEBHOOKS_TIMEOUT) + LEASE_MARGIN)
    )
    return bool(claimed), bool(claimed and row["lease_owner"])


def attempt(delivery_id: int, *, owner: str) -> Outcome | None:
    """One attempt of one delivery, if it is due and not held by another worker."""
    claimed, interrupted = _claim(delivery_id, owner or "anonymous")
    if not claimed:
        return None
    if interrupted:
        _record_interruption(delivery_id)
    delivery = Delivery.objects.select_related("event", "endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        return _finish_unsent(delivery, "Not sent: the endpoint is disabled.")
    if delivery.attempt_count > len(retry_delays()):
        return _finish_unsent(delivery, "Not sent again: every attempt has been used.")
    started_at = timezone.now()
    try:
        headers = signed_headers(endpoint, delivery.event.public_id, delivery.event.body, int(time.time()))
    except InvalidTag:
        error = "Not sent: the signing secret cannot be decrypted (the server key changed). Rotate the secret."
        return _record(delivery, started_at, {}, http.Result(None, "", error, 0), "")
    try:
        dest = resolve(endpoint.url, require_https=endpoint.environment == Environment.PRODUCTION)
    except BlockedDestination as exc:
        return _record(delivery, started_at, headers, http.Result(None, "", f"Not sent: {exc}"[:300], 0), "")
    result = http.post(dest, delivery.event.body.encode(), headers, timeout=settings.WEBHOOKS_TIMEOUT)
    return _record(delivery, started_at, headers, result, dest.address)


def _record_interruption(delivery_id: int) -> None:
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        DeliveryAttempt.objects.create(
            delivery=delivery, number=delivery.attempt_count + 1, started_at=timezone.now(), error=INTERRUPTED
        )
        Delivery.objects.filter(pk=delivery_id).update(attempt_count=F("attempt_count") + 1, last_error=INTERRUPTED)


def _finish_unsent(delivery: Delivery, error: str) -> Outcome:
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.FAILED,
        last_error=error,
        next_attempt_at=None,
        completed_at=timezone.now(),
        lease_owner="",
        lease_expires_at=None,
    )
    return Outcome(Delivery.Status.FAILED, None)


def _record(
    delivery: Delivery, started_at: datetime, headers: dict[str, str], result: http.Result, address: str
) -> Outcome:
    now = timezone.now()
    endpoint = delivery.endpoint
    number = delivery.attempt_count + 1
    next_in: float | None = None
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery,
            number=number,
            started_at=started_at,
            latency_ms=result.latency_ms,
            status_code=result.status_code,
            response_body=result.body,
            error=result.error,
            address=address,
            request_headers=headers,
        )
        delivery.attempt_count = number
        delivery.last_status_code = result.status_code
        delivery.last_error = result.error
        if result.ok:
            delivery.status = Delivery.Status.SUCCEEDED
            Endpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=False).update(failing_since=None)
        elif result.status_code == 410:
            delivery.status = Delivery.Status.FAILED
            services.disable_endpoint(endpoint=endpoint, reason=Endpoint.DisabledReason.GONE, by=None)
        elif services.note_failure(endpoint=endpoint, at=now):
            delivery.status = Delivery.Status.FAILED  # the endpoint has just been disabled
        elif number > len(retry_delays()):
            delivery.status = Delivery.Status.FAILED
        else:
            next_in = jittered(retry_delays()[number - 1])
        delivery.next_attempt_at = now + timedelta(seconds=next_in) if next_in is not None else None
        delivery.completed_at = now if delivery.status != Delivery.Status.PENDING else None
        delivery.lease_owner = ""
        delivery.lease_expires_at = None
        delivery.save(
            update_fields=[
                "attempt_count",
                "last_status_code",
                "last_error",
                "status",
                "next_attempt_at",
                "completed_at",
                "lease_owner",
                "lease_expires_at",
            ]
        )
    return Outcome(delivery.status, next_in)
