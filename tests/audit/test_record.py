import pytest
from django.db import transaction

from audit import services as audit
from audit.models import AuditEvent
from lib.request_context import RequestMeta


def test_record_captures_who_what_where(alice, acme):
    meta = RequestMeta(request_id="req-12345678", ip="203.0.113.9", user_agent="curl/8.0")
    event = audit.record(
        action="partner.updated",
        actor=alice,
        partner=acme,
        obj=acme,
        meta=meta,
        client_id="cli_1",
        details={"field": "legal_name"},
    )
    event.refresh_from_db()
    assert event.actor == alice and event.actor_label == "alice@acme-health.example"
    assert event.partner == acme and event.partner_gpid == acme.gpid
    assert (event.object_type, event.object_id) == ("partners.partner", str(acme.pk))
    assert (event.request_id, event.source_ip, event.user_agent) == ("req-12345678", "203.0.113.9", "curl/8.0")
    assert event.client_id == "cli_1"
    assert event.outcome == "success"
    assert event.details == {"field": "legal_name"}
    assert event.occurred_at.tzinfo is not None


def test_record_without_request_or_actor_is_a_system_event(db):
    event = audit.record(action="system.cleanup")
    assert event.actor is None and event.actor_label == ""
    assert event.source_ip is None and event.request_id == ""


def test_a_rolled_back_action_leaves_no_audit_record(alice, acme):
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(action="partner.updated", actor=alice, partner=acme)
        raise RuntimeError("the change failed")
    assert not AuditEvent.objects.filter(action="partner.updated").exists()


def test_request_id_reaches_the_audit_record_of_a_web_action(client, alice):
    client.post("/accounts/login/", {"login": alice.email, "password": "x"}, HTTP_X_REQUEST_ID="trace-000111222")
    assert AuditEvent.objects.get(action="account.login_failed").request_id == "trace-000111222"


def test_users_with_audit_history_cannot_be_deleted(alice, acme):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        alice.delete()


def test_staff_can_read_but_not_edit_the_trail(staff_client, alice, acme):
    event = audit.record(action="partner.updated", actor=alice, partner=acme)
    assert staff_client.get("/admin/audit/auditevent/").status_code == 200
    page = staff_client.get(f"/admin/audit/auditevent/{event.pk}/change/")
    assert page.status_code == 200
    assert 'type="submit" value="Save"' not in page.content.decode()
    assert staff_client.post(f"/admin/audit/auditevent/{event.pk}/delete/").status_code == 403


def test_partners_cannot_open_the_audit_admin(alice_client):
    resp = alice_client.get("/admin/audit/auditevent/")
    assert resp.status_code == 302
    assert "/admin/login/" in resp["Location"]
