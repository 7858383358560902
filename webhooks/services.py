"""Emitting partner events into the outbox."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from partners.models import Partner
from webhooks.catalog import EVENT_TYPES_BY_NAME
from webhooks.models import Event


class UnknownEventType(ValueError):
    pass


def emit(*, partner: Partner, type: str, payload: dict[str, Any]) -> Event:  # noqa: A002 - the seed's word
    """Record that ``type`` happened to ``partner``.

    Writes the outbox row inside the caller's transaction: if the caller rolls back,
    the event never existed. The payload carries ``"event": type`` first, as in the
    seed examples.
    """
    if type not in EVENT_TYPES_BY_NAME:
        raise UnknownEventType(f"Unknown webhook event type {type!r}; known: {', '.join(EVENT_TYPES_BY_NAME)}")
    body = {"event": type, **{k: v for k, v in payload.items() if k != "event"}}
    with transaction.atomic():
        return Event.objects.create(partner=partner, type=type, body=Event.serialize(body))
