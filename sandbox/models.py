"""The FHIR R4 data lake: resources, their versions, and the search indexes kept beside them.

Partitions: the shared synthetic lake (``partner`` null), read-only to partners, and one
partition per partner for what it writes; a partner reads the lake and its own partition.
A resource is stored twice on purpose: as JSON (jsonb on PostgreSQL) for queries and
exports, and as the exact response bytes, so a read streams stored text without
re-serializing. The index rows are rewritten with every version.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone


class ResourceQuerySet(models.QuerySet["Resource"]):
    def visible_to(self, partner_id: int | None) -> ResourceQuerySet:
        """The lake and, for a partner, its own partition."""
        if partner_id is None:
            return self.filter(partner__isnull=True)
        return self.filter(Q(partner__isnull=True) | Q(partner_id=partner_id))

    def live(self) -> ResourceQuerySet:
        return self.filter(deleted=False)


class Resource(models.Model):
    """The current version of one resource in one partition."""

    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.CASCADE, related_name="fhir_resources"
    )  # null: the shared synthetic lake
    resource_type = models.CharField(max_length=40)
    logical_id = models.CharField(max_length=64)
    version_id = models.PositiveIntegerField(default=1)
    last_updated = models.DateTimeField(default=timezone.now)
    deleted = models.BooleanField(default=False)
    # The patient whose compartment holds this resource ("" for shared resources such as
    # Organization or Practitioner): patient-context tokens reach only their own.
    patient = models.CharField(max_length=64, blank=True, default="")
    content = models.JSONField(default=dict)
    body = models.TextField()  # the exact JSON served, meta.versionId and lastUpdated included

    objects = ResourceQuerySet.as_manager()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["resource_type", "logical_id"], condition=Q(partner__isnull=True), name="uniq_lake_resource"
            ),
            models.UniqueConstraint(
                fields=["partner", "resource_type", "logical_id"],
                condition=Q(partner__isnull=False),
                name="uniq_partition_resource",
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["resource_type", "logical_id"], name="fhir_type_id"),
            models.Index(fields=["resource_type", "patient", "id"], name="fhir_type_patient"),
            models.Index(fields=["resource_type", "last_updated"], name="fhir_type_updated"),
            models.Index(fields=["partner", "resource_type", "id"], name="fhir_partition_type"),
        ]

    def __str__(self) -> str:
        return f"{self.resource_type}/{self.logical_id} v{self.version_id}"

    @property
    def reference(self) -> str:
        return f"{self.resource_type}/{self.logical_id}"


class ResourceVersion(models.Model):
    """Every version of every resource, the current one included (vread, _history)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions")
    version_id = models.PositiveIntegerField()
    last_updated = models.DateTimeField()
    deleted = models.BooleanField(default=False)
    method = models.CharField(max_length=8, default="POST")  # the interaction that made it: POST, PUT, DELETE
    body = models.TextField(blank=True, default="")

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["resource", "version_id"], name="uniq_resource_version"),
        ]

    def __str__(self) -> str:
        return f"{self.resource_id} v{self.version_id}"


class _Index(models.Model):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="+")
    resource_type = models.CharField(max_length=40)
    param = models.CharField(max_length=64)

    class Meta:
        abstract = True


class TokenIndex(_Index):
    system = models.CharField(max_length=255, blank=True, default="")
    code = models.CharField(max_length=255)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["resource_type", "param", "code"], name="fhir_token"),
        ]

    def __str__(self) -> str:
        return f"{self.param}={self.system}|{self.code}"


class StringIndex(_Index):
    value = models.CharField(max_length=255)  # lower case, accents removed

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["resource_type", "param", "value"], name="fhir_string"),
        ]

    def __str__(self) -> str:
        return f"{self.param}={self.value}"


class DateIndex(_Index):
    low = models.DateTimeField()  # inclusive
    high = models.DateTimeField()  # exclusive

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["resource_type", "param", "low"], name="fhir_date_low"),
            models.Index(fields=["resource_type", "param", "high"], name="fhir_date_high"),
        ]

    def __str__(self) -> str:
        return f"{self.param}=[{self.low}, {self.high})"


class ReferenceIndex(_Index):
    target_type = models.CharField(max_length=40, blank=True, default="")
    target_id = models.CharField(max_length=255)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["resource_type", "param", "target_id"], name="fhir_reference"),
            models.Index(fields=["target_type", "target_id"], name="fhir_reference_target"),
        ]

    def __str__(self) -> str:
        return f"{self.param}={self.target_type}/{self.target_id}"


class ExportJob(models.Model):
    """A FHIR Bulk Data export (kick-off, status polling, NDJSON files, cancellation)."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    class Level(models.TextChoices):
        SYSTEM = "system", "System ($export)"
        PATIENT = "patient", "All patients (Patient/$export)"
        GROUP = "group", "Group (Group/[id]/$export)"

    public_id = models.CharField(max_length=40, unique=True, editable=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="fhir_exports")
    credential_id = models.CharField(max_length=100)  # who asked: only the same partner may poll and download
    level = models.CharField(max_length=16, choices=Level.choices)
    group_id = models.CharField(max_length=64, blank=True, default="")
    types = models.JSONField(default=list)
    since = models.DateTimeField(null=True, blank=True)
    request_url = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACCEPTED)
    progress = models.CharField(max_length=200, blank=True, default="")
    transaction_time = models.DateTimeField(default=timezone.now)
    output = models.JSONField(default=list)  # [{"type", "file", "count"}]
    errors = models.JSONField(default=list)  # [{"type", "file", "count"}] of OperationOutcome NDJSON
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at"]

    def __str__(self) -> str:
        return f"export {self.public_id} {self.status}"

    @property
    def is_done(self) -> bool:
        return self.status in (self.Status.COMPLETED, self.Status.FAILED)


class LakeState(models.Model):
    """What the shared lake holds (one row): so loading it again is skipped when the
    generator would produce exactly the same data."""

    patients = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    fingerprint = models.CharField(max_length=64)  # sha256 of every generated resource, in order
    resources = models.PositiveIntegerField()
    loaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"lake: {self.patients} patients, {self.resources} resources"
