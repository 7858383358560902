import pytest
from django.db import transaction

from webhooks.models import Event
from webhooks.services import UnknownEventType, emit


def test_emit_writes_the_outbox_row_with_the_seed_shape(acme):
    event = emit(
        partner=acme,
        type="partner.token.revoked",
        payload={
            "token_id": "tok_1",
            "partner_gpid": acme.gpid,
            "revoked_at": "2026-06-13T17:00:00Z",
            "reason": "user_request",
        },
    )
    event.refresh_from_db()
    assert event.public_id.startswith("evt_")
    assert list(event.payload) == ["event", "token_id", "partner_gpid", "revoked_at", "reason"]
    assert event.payload["event"] == "partner.token.revoked"


def test_emit_belongs_to_the_callers_transaction(acme):
    with pytest.raises(RuntimeError), transaction.atomic():
        emit(partner=acme, type="pipeline.sync.failed", payload={"job_id": "job_1"})
        raise RuntimeError("the change rolled back")
    assert not Event.objects.exists()


def test_emit_refuses_unknown_event_types(acme):
    with pytest.raises(UnknownEventType, match=r"pipeline\.sync\.exploded"):
        emit(partner=acme, type="pipeline.sync.exploded", payload={})
    assert not Event.objects.exists()


def test_emit_cannot_change_the_event_name(acme):
    event = emit(partner=acme, type="pipeline.sync.completed", payload={"event": "partner.token.revoked"})
    assert event.payload == {"event": "pipeline.sync.completed"}


def test_events_are_scoped_to_their_partner(acme, beta):
    emit(partner=acme, type="pipeline.sync.completed", payload={"job_id": "job_a"})
    assert Event.objects.for_partner(beta).count() == 0
    assert Event.objects.for_partner(acme).count() == 1
