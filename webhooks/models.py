"""The event outbox, partner endpoints, and the delivery log (one row per event and
endpoint, one row per HTTP attempt)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from lib.environment import Environment
from lib.ids import iso, new_id


def new_event_id() -> str:
    return new_id("evt_", 18)


ENDPOINT_ID_PREFIX = "we_"
DELIVERY_ID_PREFIX = "dlv_"


def new_endpoint_id() -> str:
    return new_id(ENDPOINT_ID_PREFIX)


def new_delivery_id() -> str:
    return new_id(DELIVERY_ID_PREFIX, 15)


class EventQuerySet(models.QuerySet["Event"]):
    def for_partner(self, partner: models.Model) -> EventQuerySet:
        return self.filter(partner=partner)


class Event(models.Model):
    """Something that happened to a partner, written in the same transaction as the
    change it announces. ``public_id`` becomes the ``webhook-id`` of every delivery.

    ``body`` is the exact JSON text that is signed and sent, fixed once: field order
    stays as in the seed examples (a jsonb column would reorder keys) and every retry
    carries byte-identical content.
    """

    public_id = models.CharField(max_length=40, unique=True, default=new_event_id, editable=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="events")
    environment = models.CharField(max_length=16, choices=Environment.choices, default=Environment.SANDBOX)
    type = models.CharField(max_length=64, db_index=True)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.public_id} {self.type}"

    @property
    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data

    @staticmethod
    def serialize(payload: dict[str, Any]) -> str:
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


class EndpointQuerySet(models.QuerySet["Endpoint"]):
    def active(self) -> EndpointQuerySet:
        return self.filter(status=Endpoint.Status.ACTIVE)


class Endpoint(models.Model):
    """A partner's HTTPS receiver for one environment's events."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        DISABLED = "disabled", "Disabled"

    class DisabledReason(models.TextChoices):
        USER = "user", "Disabled by the partner"
        GONE = "gone", "The endpoint answered 410 Gone"
        FAILING = "failing", "Every delivery failed for 5 days"
        STAFF = "staff", "Disabled by staff"

    public_id = models.CharField(max_length=32, unique=True, default=new_endpoint_id, editable=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="webhook_endpoints")
    environment = models.CharField(max_length=16, choices=Environment.choices, default=Environment.SANDBOX)
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True, default="")
    event_types = models.JSONField(default=list)
    # The signing secret must be usable by the server, so it is encrypted (AES-GCM with a
    # key derived from the credential key), not hashed. Shown to the partner once.
    secret_ciphertext = models.TextField(editable=False)
    secret_hint = models.CharField(max_length=16, editable=False)
    previous_secret_ciphertext = models.TextField(blank=True, default="", editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    disabled_reason = models.CharField(max_length=16, choices=DisabledReason.choices, blank=True, default="")
    disabled_at = models.DateTimeField(null=True, blank=True)
    # Start of the current run of failed attempts; cleared by any success.
    failing_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = EndpointQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.public_id} {self.url}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def display_secret(self) -> str:
        return f"whsec_{self.secret_hint}…"

    def previous_secret_valid(self, now: datetime | None = None) -> bool:
        return bool(
            self.previous_secret_ciphertext
            and self.previous_secret_expires_at
            and self.previous_secret_expires_at > (now or timezone.now())
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.public_id,
            "url": self.url,
            "description": self.description,
            "events": list(self.event_types),
            "environment": self.environment,
            "active": self.is_active,
            "disabled_reason": self.disabled_reason or None,
            "disabled_at": iso(self.disabled_at),
            "failing_since": iso(self.failing_since),
            "secret_hint": self.display_secret,
            "previous_secret_expires_at": iso(self.previous_secret_expires_at)
            if self.previous_secret_valid()
            else None,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
        }


class DeliveryQuerySet(models.QuerySet["Delivery"]):
    def for_partner(self, partner: models.Model) -> DeliveryQuerySet:
        return self.filter(endpoint__partner=partner)

    def due(self, now: datetime) -> DeliveryQuerySet:
        """Pending, due, and not held by a live worker."""
        return self.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now).filter(
            Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)
        )


class Delivery(models.Model):
    """One event on its way to one endpoint. A replay is a new row for the same event
    (same ``webhook-id``, so the receiver can recognise it)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Delivered"
        FAILED = "failed", "Failed"

    public_id = models.CharField(max_length=40, unique=True, default=new_delivery_id, editable=False)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    replay_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replays")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempt_count = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True, default="")
    # Who is sending right now (a Celery task id) and until when the claim holds.
    lease_owner = models.CharField(max_length=64, blank=True, default="", editable=False)
    lease_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["endpoint", "-created_at"], name="delivery_by_endpoint"),
        ]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            # One automatic delivery per event and endpoint; replays are extra rows.
            models.UniqueConstraint(
                fields=["event", "endpoint"], condition=Q(replay_of__isnull=True), name="uniq_delivery_per_endpoint"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.status}"

    @property
    def is_done(self) -> bool:
        return self.status != self.Status.PENDING

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.public_id,
            "endpoint_id": self.endpoint.public_id,
            "event_id": self.event.public_id,
            "event_type": self.event.type,
            "status": self.status,
            "attempts": self.attempt_count,
            "last_status_code": self.last_status_code,
            "last_error": self.last_error or None,
            "next_attempt_at": iso(self.next_attempt_at) if not self.is_done else None,
            "replay_of": self.replay_of.public_id if self.replay_of_id and self.replay_of else None,
            "created_at": iso(self.created_at),
            "completed_at": iso(self.completed_at),
        }


class DeliveryAttempt(models.Model):
    """One HTTP POST (or one that a dying worker never finished)."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, default="", help_text="The first 2 KB of the response.")
    error = models.CharField(max_length=300, blank=True, default="")
    address = models.CharField(max_length=64, blank=True, default="", help_text="The IP address connected to.")
    request_headers = models.JSONField(default=dict)

    class Meta:
        ordering: ClassVar[list[str]] = ["number", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    def as_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "started_at": iso(self.started_at),
            "latency_ms": self.latency_ms,
            "status_code": self.status_code,
            "response_body": self.response_body,
            "error": self.error or None,
            "request_headers": self.request_headers,
        }
