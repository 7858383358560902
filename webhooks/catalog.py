"""The webhook event catalog: types partners can subscribe to and the exact payloads
the seed portal page publishes for them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EventType:
    type: str
    group: str
    description: str
    example: dict[str, Any]
    from_seed: bool = True  # published on the seed portal page, payload exactly as there


EVENT_TYPES: tuple[EventType, ...] = (
    EventType(
        type="pipeline.sync.completed",
        group="Pipeline",
        description="FHIR or batch sync job finished successfully.",
        example={
            "event": "pipeline.sync.completed",
            "job_id": "job_abc123",
            "partner_gpid": "CMS-00000001",
            "resource_types": ["Patient", "Observation"],
            "records_processed": 1240,
            "completed_at": "2026-06-13T20:00:00Z",
        },
    ),
    EventType(
        type="pipeline.sync.failed",
        group="Pipeline",
        description="Sync job failed after retries.",
        example={
            "event": "pipeline.sync.failed",
            "job_id": "job_abc123",
            "error_code": "VALIDATION_ERROR",
            "message": "Bundle entry 14 failed FHIR validation",
            "failed_at": "2026-06-13T20:01:00Z",
        },
    ),
    EventType(
        type="partner.token.revoked",
        group="CMS / Partners",
        description="API key or OAuth client revoked — rotate credentials.",
        example={
            "event": "partner.token.revoked",
            "token_id": "tok_abc",
            "partner_gpid": "CMS-00000001",
            "revoked_at": "2026-06-13T17:00:00Z",
            "reason": "admin_action",
        },
    ),
    EventType(
        type="webhook.test",
        group="Webhooks",
        description="Sent on request from the dashboard or POST /webhooks/{id}/test, to check an endpoint.",
        example={
            "event": "webhook.test",
            "endpoint_id": "we_Xk2p9QaLm3Rt",
            "partner_gpid": "CMS-00000001",
            "sent_at": "2026-06-13T17:05:00Z",
        },
        from_seed=False,
    ),
)

EVENT_TYPES_BY_NAME: dict[str, EventType] = {e.type: e for e in EVENT_TYPES}
SUBSCRIBABLE: tuple[str, ...] = tuple(e.type for e in EVENT_TYPES)
