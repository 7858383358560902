"""Sync job lifecycle: queued → processing → completed | failed, audited, announced to the
partner's webhooks with the seed's payloads."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from audit import services as audit
from lib.environment import Environment
from lib.request_context import RequestMeta
from partners.models import Partner
from pipeline.models import SyncJob
from webhooks import services as webhooks

MAX_PROBLEMS = 20


def start_job(
    *,
    partner: Partner,
    source: str,
    records_total: int,
    by: User | None,
    meta: RequestMeta | None = None,
    environment: str = Environment.SANDBOX,
    queued: bool = False,
) -> SyncJob:
    """A new job, processing now (or queued for a worker)."""
    with transaction.atomic():
        job = SyncJob.objects.create(
            partner=partner,
            environment=environment,
            source=source,
            records_total=records_total,
            status=SyncJob.Status.QUEUED if queued else SyncJob.Status.PROCESSING,
            started_at=None if queued else timezone.now(),
        )
        audit.record(
            action="pipeline.job_started",
            actor=by,
            partner=partner,
            obj=job,
            meta=meta,
            details={"source": source, "records": records_total, "queued": queued},
        )
    return job


def mark_processing(*, job: SyncJob) -> SyncJob:
    SyncJob.objects.filter(pk=job.pk, status=SyncJob.Status.QUEUED).update(
        status=SyncJob.Status.PROCESSING, started_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def complete_job(
    *,
    job: SyncJob,
    resource_types: Iterable[str],
    processed: int,
    failed: int = 0,
    problems: list[dict[str, Any]] | None = None,
    result: str = "",
    result_status: int | None = None,
) -> SyncJob:
    """Done: counts, types, and a pipeline.sync.completed event."""
    with transaction.atomic():
        job = SyncJob.objects.select_for_update().select_related("partner").get(pk=job.pk)
        if job.is_done:
            return job
        job.status = SyncJob.Status.COMPLETED
        job.resource_types = sorted(set(resource_types))
        job.records_processed, job.records_failed = processed, failed
        job.problems = (problems or [])[:MAX_PROBLEMS]
        job.result, job.result_status = result, result_status
        job.finished_at = timezone.now()
        job.save()
        audit.record(
            action="pipeline.job_completed",
            partner=job.partner,
            obj=job,
            details={"processed": processed, "failed": failed, "resource_types": job.resource_types},
        )
        webhooks.emit(
            partner=job.partner,
            type="pipeline.sync.completed",
            payload=job.completed_payload(),
            environment=job.environment,
        )
    return job


def fail_job(
    *,
    job: SyncJob,
    error_code: str,
    message: str,
    problems: list[dict[str, Any]] | None = None,
    processed: int = 0,
    result: str = "",
    result_status: int | None = None,
) -> SyncJob:
    """Failed: why, and a pipeline.sync.failed event."""
    with transaction.atomic():
        job = SyncJob.objects.select_for_update().select_related("partner").get(pk=job.pk)
        if job.is_done:
            return job
        job.status = SyncJob.Status.FAILED
        job.error_code, job.error_message = error_code, message[:500]
        job.records_processed = processed
        job.records_failed = max(job.records_total - processed, 1)
        job.problems = (problems or [])[:MAX_PROBLEMS]
        job.result, job.result_status = result, result_status
        job.finished_at = timezone.now()
        job.save()
        audit.record(
            action="pipeline.job_failed",
            partner=job.partner,
            obj=job,
            outcome="failure",
            details={"error_code": error_code, "message": job.error_message},
        )
        webhooks.emit(
            partner=job.partner, type="pipeline.sync.failed", payload=job.failed_payload(), environment=job.environment
        )
    return job
