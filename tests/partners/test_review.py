import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from partners import services, tasks
from partners.models import Partner
from tests.factories import PartnerFactory


@pytest.fixture
def pending(db):
    return PartnerFactory(
        legal_name="Northwind Patient Apps",
        status=Partner.Status.PENDING,
        partner_type=Partner.Type.PATIENT_APP,
        contact_email="nora@northwind.example",
    )


def test_review_list_shows_applications_with_filters_and_search(staff_client, pending, acme):
    html = staff_client.get("/admin/partners/partner/", {"status__exact": "pending"}).content.decode()
    assert "Northwind Patient Apps" in html and "Acme Health Plan" not in html
    html = staff_client.get("/admin/partners/partner/", {"q": pending.gpid}).content.decode()
    assert "Northwind Patient Apps" in html


def test_staff_approves_from_the_list(staff_client, staff, pending):
    resp = staff_client.post(
        "/admin/partners/partner/", {"action": "approve_selected", "_selected_action": [pending.pk]}
    )
    assert resp.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "approved"
    change = pending.status_changes.first()
    assert (change.from_status, change.to_status, change.changed_by) == ("pending", "approved", staff)
    assert AuditEvent.objects.filter(action="partner.approved", partner=pending, actor=staff).exists()


def test_reject_needs_a_reason_then_closes_the_sandbox(staff_client, pending):
    resp = staff_client.post(
        "/admin/partners/partner/", {"action": "reject_selected", "_selected_action": [pending.pk]}
    )
    assert resp.status_code == 200
    assert "Message to the partner" in resp.content.decode()
    pending.refresh_from_db()
    assert pending.status == "pending"
    resp = staff_client.post(
        "/admin/partners/partner/",
        {
            "action": "reject_selected",
            "_selected_action": [pending.pk],
            "apply": "1",
            "message": "",
        },
    )
    assert "Write the message the partner will receive." in resp.content.decode()
    staff_client.post(
        "/admin/partners/partner/",
        {
            "action": "reject_selected",
            "_selected_action": [pending.pk],
            "apply": "1",
            "message": "We could not verify the organization.",
        },
    )
    pending.refresh_from_db()
    assert pending.status == "rejected" and not pending.sandbox_open
    assert pending.review_message == "We could not verify the organization."


def test_change_page_buttons_request_changes(staff_client, pending):
    page = staff_client.get(f"/admin/partners/partner/{pending.pk}/change/").content.decode()
    assert f"/admin/partners/partner/{pending.pk}/decide/changes_requested/" in page
    assert "Sandbox activity" in page and "Signed agreements" in page
    form = staff_client.get(f"/admin/partners/partner/{pending.pk}/decide/changes_requested/")
    assert "Request changes" in form.content.decode()
    resp = staff_client.post(
        f"/admin/partners/partner/{pending.pk}/decide/changes_requested/",
        {"apply": "1", "message": "Add your NPI, please."},
    )
    assert resp.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "changes_requested" and pending.review_message == "Add your NPI, please."


def test_decisions_follow_the_allowed_transitions(staff, pending):
    services.review_application(partner=pending, decision="approved", by=staff)
    with pytest.raises(ValidationError, match="cannot become changes_requested"):
        services.review_application(partner=pending, decision="changes_requested", by=staff, message="x")


def test_only_staff_can_decide(alice, pending):
    with pytest.raises(PermissionDenied, match="Only staff"):
        services.review_application(partner=pending, decision="approved", by=alice)


def test_partners_cannot_reach_the_review_pages(alice_client, pending):
    assert alice_client.get(f"/admin/partners/partner/{pending.pk}/decide/approved/").status_code == 302
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_decision_is_emailed_with_the_message(staff, pending, django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.send_notification, "delay", lambda kind, pk: queued.append((kind, pk)))
    with django_capture_on_commit_callbacks(execute=True):
        services.review_application(
            partner=pending, decision="changes_requested", by=staff, message="Describe the app's revocation flow."
        )
    assert queued == [("decision", pending.pk)]
    tasks.send_notification.apply(args=queued[0])
    email = mail.outbox[-1]
    assert "nora@northwind.example" in email.to
    assert "Changes requested" in email.subject
    assert "Describe the app's revocation flow." in email.body
