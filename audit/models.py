"""The audit trail: one row per change or access, written by services, never edited."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def for_partner(self, partner: models.Model) -> AuditEventQuerySet:
        return self.filter(partner=partner)


class AuditEvent(models.Model):
    """Who did what, to which object, from where, with what outcome.

    Rows are append-only by convention of the services layer; the later audit issue
    adds database-level immutability, a hash chain and retention. Users and partners
    with audit history are protected from deletion (deactivate them instead), and
    their identity is also copied into the row so the record reads on its own.
    """

    class Outcome(models.TextChoices):
        SUCCESS = "success", "Success"
        FAILURE = "failure", "Failure"
        DENIED = "denied", "Denied"

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    # Null only for actions no person took (beat tasks, system jobs).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True, default="")
    # Null only for actions outside any partner (a staff setting, a failed anonymous login).
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events"
    )
    partner_gpid = models.CharField(max_length=12, blank=True, default="")
    client_id = models.CharField(max_length=100, blank=True, default="")
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True, default="")
    object_id = models.CharField(max_length=64, blank=True, default="")
    request_id = models.CharField(max_length=128, blank=True, default="")
    # Null when there was no HTTP request (a task or a management command).
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True, default="")
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.SUCCESS)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    # Data access (FHIR): the interaction ("GET Patient/123", "SEARCH Observation"), the
    # patient whose data it was, the scopes presented, and what kinds of data (seed 002).
    interaction = models.CharField(max_length=200, blank=True, default="")
    patient_ref = models.CharField(max_length=80, blank=True, default="")
    scopes = models.JSONField(default=list, blank=True)
    data_categories = models.JSONField(default=list, blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-occurred_at", "-id"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["partner", "-occurred_at"], name="audit_partner_time"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.action} by {self.actor_label or 'system'}"
