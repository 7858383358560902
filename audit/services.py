"""Writing audit records. Every service that changes something calls :func:`record`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import models

from audit.models import AuditEvent
from lib.request_context import RequestMeta


def record(
    *,
    action: str,
    actor: User | AnonymousUser | None = None,
    partner: Any | None = None,
    obj: models.Model | None = None,
    meta: RequestMeta | None = None,
    client_id: str = "",
    outcome: str = AuditEvent.Outcome.SUCCESS,
    status_code: int | None = None,
    details: dict[str, Any] | None = None,
    model: Any = None,
) -> AuditEvent:
    """Append one audit record. Runs in the caller's transaction, so an action that
    rolls back leaves no record claiming it happened. ``model``: the historical
    AuditEvent of a data migration (services called from migrations pass it)."""
    meta = meta or RequestMeta.system()
    user = actor if actor is not None and actor.is_authenticated else None
    created: AuditEvent = (model or AuditEvent).objects.create(
        action=action,
        actor=user,
        actor_label=(getattr(user, "email", "") or str(user)) if user is not None else "",
        partner=partner,
        partner_gpid=getattr(partner, "gpid", "") or "",
        client_id=client_id,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(getattr(obj, "public_id", None) or obj.pk) if obj is not None else "",
        request_id=meta.request_id,
        source_ip=meta.ip,
        user_agent=meta.user_agent,
        outcome=outcome,
        status_code=status_code,
        details=details or {},
    )
    return created
