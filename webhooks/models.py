"""The event outbox. Delivery (endpoints, attempts, retries) builds on these rows."""

from __future__ import annotations

import json
import secrets
from typing import Any, ClassVar

from django.db import models
from django.utils import timezone


def new_event_id() -> str:
    return "evt_" + secrets.token_urlsafe(18)


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
