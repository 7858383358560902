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
    actor_id: int | None = None,
    partner_id: int | None = None,
    partner_gpid: str = "",
    interaction: str = "",
    patient_ref: str = "",
    scopes: list[str] | None = None,
    data_categories: list[str] | None = None,
) -> AuditEvent:
    """Append one audit record. Runs in the caller's transaction, so an action that
    rolls back leaves no record claiming it happened. ``model``: the historical
    AuditEvent of a data migration (services called from migrations pass it).

    On hot paths (every FHIR read is audited) callers pass ``actor_id``, ``partner_id``
    and ``partner_gpid`` instead of objects, so writing the record loads nothing."""
    meta = meta or RequestMeta.system()
    user = actor if actor is not None and actor.is_authenticated else None
    values = {
        "action": action,
        "actor_id": actor_id if user is None else user.pk,
        "actor_label": (getattr(user, "email", "") or str(user)) if user is not None else "",
        "partner_id": partner_id if partner is None else partner.pk,
        "partner_gpid": partner_gpid or getattr(partner, "gpid", "") or "",
        "client_id": client_id,
        "object_type": obj._meta.label_lower if obj is not None else "",
        "object_id": str(getattr(obj, "public_id", None) or obj.pk) if obj is not None else "",
        "request_id": meta.request_id,
        "source_ip": meta.ip,
        "user_agent": meta.user_agent,
        "outcome": outcome,
        "status_code": status_code,
        "interaction": interaction,
        "patient_ref": patient_ref,
        "scopes": scopes or [],
        "data_categories": data_categories or [],
        "details": details or {},
    }
    target = model or AuditEvent
    if model is not None:  # a data migration's historical model: only the columns it has
        names = {f.attname for f in model._meta.concrete_fields} | {f.name for f in model._meta.concrete_fields}
        values = {k: v for k, v in values.items() if k in names}
    created: AuditEvent = target.objects.create(**values)
    return created
