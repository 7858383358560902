"""Sending delivery attempts and deciding what happens next.

The database is the schedule: a delivery is ``pending`` with ``next_attempt_at`` until
it succeeds or runs out of attempts. A worker claims due rows with a lease (its Celery
task id, so a message redelivered after its worker died takes its claim back and
records the cut-short attempt), sends, records the attempt and sets the next time.

:func:`drain` is the delivery loop: it keeps up to ``WEBHOOKS_SEND_CONCURRENCY``
requests in flight on a thread pool, claiming more rows as slots free up, so one slow
endpoint never holds up the others and a burst costs one task instead of one per event.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidTag
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from lib import outbound
from lib.environment import Environment
from lib.ssrf import BlockedDestination, resolve
from webhooks import disabling, signing
from webhooks.models import Delivery, DeliveryAttempt, Endpoint

logger = logging.getLogger(__name__)

LEASE_MARGIN = timedelta(seconds=60)  # name resolution and connecting come on top of the timeout
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


@dataclass(frozen=True)
class Claim:
    """A claimed delivery with what sending it needs, loaded in the claiming query."""

    delivery_id: int
    owner: str
    attempt_count: int
    previous_owner: str
    event_public_id: str
    body: str
    endpoint: Endpoint  # the columns listed in _ENDPOINT_FIELDS only


_ENDPOINT_FIELDS = (
    "id",
    "public_id",
    "url",
    "environment",
    "status",
    "secret_ciphertext",
    "previous_secret_ciphertext",
    "previous_secret_expires_at",
    "failing_since",
)
_JOINED_ENDPOINT = tuple(f"endpoint__{f}" for f in _ENDPOINT_FIELDS)


def claim(*, owner: str, limit: int, ids: list[int] | None = None, reclaim: bool = False) -> list[Claim]:
    """Lease up to ``limit`` due deliveries (or only ``ids``) for ``owner``.

    Due means pending, ``next_attempt_at`` reached, and no live lease. With ``reclaim``
    (only when ``owner`` has nothing in flight: a task's first look), rows leased to
    ``owner`` itself are taken back whatever their state: its message was redelivered
    after the worker running it died. On PostgreSQL, rows another worker is claiming
    are skipped.
    """
    now = timezone.now()
    due = Q(next_attempt_at__lte=now)
    lease_free = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)
    if reclaim:
        due |= Q(lease_owner=owner)
        lease_free |= Q(lease_owner=owner)
    rows = Delivery.objects.filter(due, lease_free, status=Delivery.Status.PENDING)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    columns = ("id", "attempt_count", "lease_owner", "event__public_id", "event__body", *_JOINED_ENDPOINT)
    with transaction.atomic():
        picked = list(
            rows.select_for_update(skip_locked=True, of=("self",))
            .order_by("next_attempt_at")
            .values_list(*columns)[:limit]
        )
        if not picked:
            return []
        Delivery.objects.filter(pk__in=[row[0] for row in picked]).update(
            lease_owner=owner, lease_expires_at=now + timedelta(seconds=settings.WEBHOOKS_TIMEOUT) + LEASE_MARGIN
        )
    return [
        Claim(
            delivery_id=row[0],
            owner=owner,
            attempt_count=row[1],
            previous_owner=row[2],
            event_public_id=row[3],
            body=row[4],
            endpoint=Endpoint(**dict(zip(_ENDPOINT_FIELDS, row[5:], strict=True))),
        )
        for row in picked
    ]


def attempt(delivery_id: int, *, owner: str) -> Outcome | None:
    """One attempt of one delivery, if it is due and not held by another worker."""
    claims = claim(owner=owner or "anonymous", limit=1, ids=[delivery_id], reclaim=True)
    return send(claims[0]) if claims else None


@dataclass(frozen=True)
class Posted:
    """What one POST did, before it is recorded."""

    started_at: datetime
    headers: dict[str, str]
    result: outbound.Result
    address: str


def send(job: Claim) -> Outcome:
    """Sign, check the address, POST, and record the attempt of one claimed delivery."""
    ready = _prepare(job)
    if isinstance(ready, Outcome):
        return ready
    return _record(job, ready, _post(job)) or Outcome(Delivery.Status.PENDING, None)


def _prepare(job: Claim) -> Outcome | int:
    """Database bookkeeping before a POST: the attempt number to use, or the outcome
    when the delivery must not be sent at all."""
    attempt_count = job.attempt_count
    if job.previous_owner:  # the last claim never recorded its answer
        _record_interruption(job.delivery_id, attempt_count)
        attempt_count += 1
    if not job.endpoint.is_active:
        return _finish_unsent(job.delivery_id, "Not sent: the endpoint is disabled.")
    if attempt_count > len(retry_delays()):
        return _finish_unsent(job.delivery_id, "Not sent again: every attempt has been used.")
    return attempt_count


def _post(job: Claim) -> Posted:
    """Sign, check the address and POST. No database access: runs on the pool threads."""
    endpoint = job.endpoint
    started_at = timezone.now()
    try:
        headers = signed_headers(endpoint, job.event_public_id, job.body, int(time.time()))
    except InvalidTag:
        error = "Not sent: the signing secret cannot be decrypted (the server key changed). Rotate the secret."
        return Posted(started_at, {}, outbound.Result(None, "", error, 0), "")
    try:
        dest = resolve(endpoint.url, require_https=endpoint.environment == Environment.PRODUCTION)
    except BlockedDestination as exc:
        return Posted(started_at, headers, outbound.Result(None, "", f"Not sent: {exc}"[:300], 0), "")
    try:
        result = outbound.post(dest, job.body.encode(), headers, timeout=settings.WEBHOOKS_TIMEOUT)
    except Exception as exc:  # a bug or an exotic network error: record it, never lose the row
        logger.exception("webhook POST for delivery %s failed unexpectedly", job.delivery_id)
        result = outbound.Result(None, "", f"Internal error while sending: {type(exc).__name__}", 0)
    return Posted(started_at, headers, result, dest.address)


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _pool  # one pool per worker process
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=settings.WEBHOOKS_SEND_CONCURRENCY, thread_name_prefix="webhook")
        return _pool


def drain(
    *, owner: str, on_retry: Callable[[int, float], None], more_work: Callable[[], None], budget: float = 50.0
) -> tuple[int, bool]:
    """Send due deliveries until none is left or ``budget`` seconds have passed: (attempts
    made, whether it ran dry). ``on_retry(delivery_id, seconds)`` schedules a retry;
    ``more_work()`` is called when a full batch suggests another worker could help."""
    width = settings.WEBHOOKS_SEND_CONCURRENCY
    deadline = time.monotonic() + budget
    in_flight: dict[Future[Posted], tuple[Claim, int]] = {}
    sent = 0
    dry = False
    first = True

    def settle(job: Claim, outcome: Outcome) -> None:
        if outcome.next_in is not None:
            on_retry(job.delivery_id, outcome.next_in)

    while True:
        free = width - len(in_flight)
        # Claim in batches (half the width at least), not one row per finished request.
        if (free * 2 >= width or not in_flight) and time.monotonic() < deadline:
            jobs = claim(owner=owner, limit=free, reclaim=first)
            first = False
            dry = not jobs
            if len(jobs) == free:  # there may be more: let another worker process help
                more_work()
            for job in jobs:
                try:
                    ready = _prepare(job)
                except Exception:  # its lease runs out and another drain picks it up
                    logger.exception("webhook delivery %s: preparing the attempt failed", job.delivery_id)
                    continue
                if isinstance(ready, Outcome):
                    settle(job, ready)
                else:
                    in_flight[_executor().submit(_post, job)] = (job, ready)
        if not in_flight:
            return sent, dry
        # Database work stays on this thread; the pool threads only sign and POST.
        done, _ = wait(in_flight, timeout=0.25, return_when=FIRST_COMPLETED)
        for future in done:
            job, attempt_count = in_flight.pop(future)
            sent += 1
            try:
                outcome = _record(job, attempt_count, future.result())
            except Exception:  # never leave the loop with requests in flight
                logger.exception("webhook delivery %s: recording the attempt failed", job.delivery_id)
                continue
            if outcome is not None:
                settle(job, outcome)


def _record_interruption(delivery_id: int, attempt_count: int) -> None:
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery_id=delivery_id, number=attempt_count + 1, started_at=timezone.now(), error=INTERRUPTED
        )
        Delivery.objects.filter(pk=delivery_id).update(attempt_count=F("attempt_count") + 1, last_error=INTERRUPTED)


def _finish_unsent(delivery_id: int, error: str) -> Outcome:
    Delivery.objects.filter(pk=delivery_id).update(
        status=Delivery.Status.FAILED,
        last_error=error,
        next_attempt_at=None,
        completed_at=timezone.now(),
        lease_owner="",
        lease_expires_at=None,
    )
    return Outcome(Delivery.Status.FAILED, None)


def _record(job: Claim, attempt_count: int, posted: Posted) -> Outcome | None:
    """Store the attempt and decide what next; None when the claim was lost meanwhile
    (the delivery was deleted with its endpoint, or another worker took it over after
    the lease ran out: that worker's attempt decides, and nothing is changed here)."""
    now = timezone.now()
    endpoint = job.endpoint
    result = posted.result
    number = attempt_count + 1
    status = Delivery.Status.PENDING
    next_in: float | None = None
    with transaction.atomic():
        held = Delivery.objects.select_for_update().filter(pk=job.delivery_id, lease_owner=job.owner).exists()
        if not held:
            logger.warning("webhook delivery %s: claim lost before the answer was recorded", job.delivery_id)
            return None
        DeliveryAttempt.objects.create(
            delivery_id=job.delivery_id,
            number=number,
            started_at=posted.started_at,
            latency_ms=result.latency_ms,
            status_code=result.status_code,
            response_body=result.body,
            error=result.error,
            address=posted.address,
            request_headers=posted.headers,
        )
        if result.ok:
            status = Delivery.Status.SUCCEEDED
            # Unconditionally: another delivery of this batch may have failed after the claim.
            Endpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=False).update(failing_since=None)
        elif result.status_code == 410:
            status = Delivery.Status.FAILED
            disabling.disable_endpoint(endpoint=endpoint, reason=Endpoint.DisabledReason.GONE, by=None)
        elif disabling.note_failure(endpoint=endpoint, at=now):
            status = Delivery.Status.FAILED  # the endpoint has just been disabled
        elif number > len(retry_delays()):
            status = Delivery.Status.FAILED
        else:
            next_in = jittered(retry_delays()[number - 1])
        Delivery.objects.filter(pk=job.delivery_id).update(
            attempt_count=number,
            last_status_code=result.status_code,
            last_error=result.error,
            status=status,
            next_attempt_at=now + timedelta(seconds=next_in) if next_in is not None else None,
            completed_at=now if status != Delivery.Status.PENDING else None,
            lease_owner="",
            lease_expires_at=None,
        )
    return Outcome(status, next_in)
