import pytest
from django.test import Client

from audit.models import AuditEvent
from partners import services
from partners.models import Membership, Partner
from tests.factories import PartnerFactory, UserFactory, add_member


def test_dashboard_shows_status_history_and_next_steps(alice_client, acme):
    html = alice_client.get("/dashboard/").content.decode()
    assert "<h1>Acme Health Plan</h1>" in html and acme.gpid in html
    assert "Sandbox open" in html
    assert "Next steps" in html and "Sign the agreements" in html and "Turn on two-factor authentication" in html
    assert "Status history" in html


def test_reviewer_message_and_resubmission(alice_client, acme, staff):
    acme.status = Partner.Status.PENDING
    acme.save()
    services.review_application(partner=acme, decision="changes_requested", by=staff, message="Add your NPI.")
    html = alice_client.get("/dashboard/").content.decode()
    assert "Message from the reviewer:</strong> Add your NPI." in html
    page = alice_client.get("/dashboard/application/edit/")
    assert page.status_code == 200
    resp = alice_client.post(
        "/dashboard/application/edit/",
        {
            "org-legal_name": "Acme Health Plan",
            "org-partner_type": "payer",
            "org-contact_name": "Alice Anders",
            "org-contact_email": "alice@acme-health.example",
            "org-phone": "+1 202 555 0100",
            "org-npi": "1234567893",
            "integ-use_case": "Patient Access API for our Medicare Advantage members.",
            "integ-capabilities": ["fhir-platform"],
            "integ-data_direction": "outbound",
            "integ-expected_volume": "lt_10k",
            "integ-handles_phi": "on",
        },
    )
    assert resp.status_code == 302
    acme.refresh_from_db()
    assert acme.status == "pending" and acme.npi == "1234567893"
    assert "npi" in acme.status_changes.first().message
    assert AuditEvent.objects.filter(action="partner.application_resubmitted").exists()


def test_application_cannot_be_edited_unless_changes_were_requested(alice_client, acme):
    resp = alice_client.post("/dashboard/application/edit/", {"org-legal_name": "Renamed"})
    assert resp.status_code == 302
    acme.refresh_from_db()
    assert acme.legal_name == "Acme Health Plan"


def test_viewer_cannot_edit_the_application(viewer, acme):
    client = Client()
    client.force_login(viewer)
    assert client.get("/dashboard/application/").status_code == 200
    assert client.get("/dashboard/application/edit/").status_code == 403


def test_bob_never_sees_alices_application(bob_client, acme, beta):
    html = bob_client.get("/dashboard/application/").content.decode()
    assert "Beta Labs" in html and "Acme Health Plan" not in html


def test_switcher_changes_the_current_partner(alice, acme):
    other = PartnerFactory(legal_name="Acme Dental")
    add_member(other, alice, Membership.Role.DEVELOPER)
    client = Client()
    client.force_login(alice)
    html = client.get("/dashboard/").content.decode()
    assert "Your organizations" in html
    client.post("/dashboard/switch/", {"partner": other.gpid})
    assert "<h1>Acme Dental</h1>" in client.get("/dashboard/").content.decode()


def test_switching_to_a_foreign_partner_is_refused(alice_client, acme, beta):
    alice_client.post("/dashboard/switch/", {"partner": beta.gpid})
    html = alice_client.get("/dashboard/").content.decode()
    assert "<h1>Acme Health Plan</h1>" in html and "Beta Labs" not in html


@pytest.mark.parametrize("path", ["/dashboard/application/", "/dashboard/application/edit/", "/dashboard/legal/"])
def test_anonymous_is_sent_to_sign_in(client, db, path):
    resp = client.get(path)
    assert resp.status_code == 302 and resp["Location"].startswith("/accounts/login/")


def test_user_without_partner_is_redirected_from_partner_pages(db):
    client = Client()
    client.force_login(UserFactory())
    assert client.get("/dashboard/application/")["Location"] == "/dashboard/"


def test_resubmission_keeps_the_allowance_staff_set(alice_client, acme, staff):
    acme.status = Partner.Status.PENDING
    acme.allowed_categories = ["fhir-platform", "cms-partners", "partner-management"]
    acme.save()
    services.review_application(partner=acme, decision="changes_requested", by=staff, message="Fix the type.")
    alice_client.post(
        "/dashboard/application/edit/",
        {
            "org-legal_name": "Acme Health Plan",
            "org-partner_type": "provider",
            "org-contact_name": "Alice Anders",
            "org-contact_email": "alice@acme-health.example",
            "org-phone": "+1 202 555 0100",
            "integ-use_case": "Provider Access API for attributed patients.",
            "integ-capabilities": ["fhir-platform"],
            "integ-data_direction": "outbound",
            "integ-expected_volume": "lt_10k",
        },
    )
    acme.refresh_from_db()
    assert acme.partner_type == "provider" and acme.status == "pending"
    assert acme.allowed_categories == ["fhir-platform", "cms-partners", "partner-management"]
