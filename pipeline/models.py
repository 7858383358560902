"""Sync jobs: one row per ingest (a bundle push, a batch, a scheduled sync) with its outcome."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.utils import timezone

from lib.environment import Environment
from lib.ids import iso, new_id


def new_job_id() -> str:
    return new_id("job_", 9)


class SyncJobQuerySet(models.QuerySet["SyncJob"]):
    def for_partner(self, partner: models.Model) -> SyncJobQuerySet:
        return self.filter(partner=partner)


class SyncJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    class Source(models.TextChoices):
        BUNDLE_PUSH = "bundle_push", "Bundle push (transaction)"
        BATCH = "batch", "Batch bundle"
        SCHEDULED = "scheduled", "Scheduled sync"

    public_id = models.CharField(max_length=32, unique=True, default=new_job_id, editable=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="sync_jobs")
    environment = models.CharField(max_length=16, choices=Environment.choices, default=Environment.SANDBOX)
    source = models.CharField(max_length=16, choices=Source.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    resource_types = models.JSONField(default=list)
    records_total = models.PositiveIntegerField(default=0)
    records_processed = models.PositiveIntegerField(default=0)
    records_failed = models.PositiveIntegerField(default=0)
    error_code = models.CharField(max_length=64, blank=True, default="")
    error_message = models.CharField(max_length=500, blank=True, default="")
    # Per-entry problems (index, path, message), the first few, for the drill-down.
    problems = models.JSONField(default=list, blank=True)
    # The pushed Bundle, kept while a worker processes it (emptied once the job is done).
    request_body = models.TextField(blank=True, default="")
    # What the client gets back when it polls (the response Bundle or OperationOutcome), for async jobs.
    result = models.TextField(blank=True, default="")
    result_status = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = SyncJobQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["partner", "-created_at"], name="syncjob_partner")
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.status}"

    @property
    def is_done(self) -> bool:
        return self.status in (self.Status.COMPLETED, self.Status.FAILED)

    def completed_payload(self) -> dict[str, Any]:
        """The seed's pipeline.sync.completed payload (after "event")."""
        return {
            "job_id": self.public_id,
            "partner_gpid": self.partner.gpid,
            "resource_types": list(self.resource_types),
            "records_processed": self.records_processed,
            "completed_at": iso(self.finished_at),
        }

    def failed_payload(self) -> dict[str, Any]:
        """The seed's pipeline.sync.failed payload (after "event")."""
        return {
            "job_id": self.public_id,
            "error_code": self.error_code,
            "message": self.error_message,
            "failed_at": iso(self.finished_at),
        }
