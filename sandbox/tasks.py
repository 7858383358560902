from __future__ import annotations

import json

from celery import shared_task

from pipeline import services as pipeline
from pipeline.models import SyncJob
from sandbox import export, ingest


@shared_task(acks_late=True, ignore_result=True)
def ingest_bundle(job_id: int) -> None:
    """Process a large pushed Bundle (authorized when it was accepted). Safe to run twice:
    a finished job is left alone."""
    job = SyncJob.objects.select_related("partner").filter(pk=job_id).first()
    if job is None or job.is_done:
        return
    job = pipeline.mark_processing(job=job)
    bundle = json.loads(job.request_body)
    ingest.process(
        job, kind=bundle["type"], entries=bundle["entry"], partner_id=job.partner_id, grant_for=ingest.granted
    )
    SyncJob.objects.filter(pk=job.pk).update(request_body="")


@shared_task(acks_late=True, ignore_result=True)
def run_export(job_id: int) -> None:
    """Write a Bulk Data export's NDJSON files (safe to run twice: a finished job is skipped)."""
    export.run(job_id)


@shared_task(acks_late=True, ignore_result=True)
def expire_exports() -> int:
    """Beat, hourly: remove exports past their 24 hours."""
    return export.expire()
