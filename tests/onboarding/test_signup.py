import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from audit.models import AuditEvent
from legal.models import Acceptance
from partners.models import Partner
from partners.npi import luhn_valid, validate_npi
from tests.factories import PartnerFactory
from tests.onboarding.wizard import ACCOUNT, INTEGRATION, ORGANIZATION, complete, post_step


def test_npi_check_digit_uses_the_80840_prefix():
    validate_npi("1234567893")  # the CMS documentation's example NPI
    assert luhn_valid("80840" + "1234567893")
    for bad, message in (
        ("1234567890", "check digit"),
        ("123456789", "exactly 10 digits"),
        ("3234567893", "starts with 1"),
    ):
        with pytest.raises(Exception, match=message):
            validate_npi(bad)


def test_wizard_shows_progress_and_step_one(client, db):
    html = client.get("/signup/").content.decode()
    assert "Step 1 of 3: Organization" in html
    assert 'aria-current="step"' in html
    assert 'name="organization-npi"' in html


def test_invalid_npi_is_a_clear_inline_error(client, db):
    client.get("/signup/")
    resp = post_step(client, "organization", {**ORGANIZATION, "npi": "1234567890"})
    html = resp.content.decode()
    assert "Step 1 of 3" in html
    assert "This NPI&#x27;s check digit is wrong" in html
    assert 'value="Gamma Health Plan"' in html  # nothing typed is lost


def test_capabilities_are_limited_to_the_partner_type(client, db):
    client.get("/signup/")
    post_step(client, "organization", {**ORGANIZATION, "partner_type": "patient_app"})
    html = client.get("/signup/").content.decode()
    assert 'value="smart-on-fhir"' in html and 'value="velocity-rcm"' not in html
    resp = post_step(client, "integration", {**INTEGRATION, "capabilities": ["velocity-rcm"]})
    assert "Select a valid choice. velocity-rcm is not one of the available choices." in resp.content.decode()


def test_use_case_length_is_checked(client, db):
    client.get("/signup/")
    post_step(client, "organization", ORGANIZATION)
    resp = post_step(client, "integration", {**INTEGRATION, "use_case": "Too short"})
    assert "Ensure this value has at least 20 characters" in resp.content.decode()


def test_back_keeps_the_values_typed_on_every_step(client, db):
    client.get("/signup/")
    post_step(client, "organization", ORGANIZATION)
    resp = post_step(
        client,
        "integration",
        {**INTEGRATION, "use_case": "Half-typed use case about claims data"},
        wizard_goto_step="organization",
    )
    assert 'value="Gamma Health Plan"' in resp.content.decode()
    resp = post_step(client, "organization", ORGANIZATION)
    assert "Half-typed use case about claims data" in resp.content.decode()


def test_complete_signup_creates_a_pending_partner_with_everything(client, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        resp = complete(client)
    assert resp.status_code == 302
    partner = Partner.objects.get(legal_name="Gamma Health Plan")
    assert partner.status == "pending" and partner.gpid == "CMS-00000001"
    assert (partner.npi, partner.handles_phi, partner.data_direction) == ("1234567893", True, "bidirectional")
    assert partner.requested_categories == ["fhir-platform", "smart-on-fhir"]
    assert "system-bulk" in partner.allowed_categories and "partner-management" in partner.allowed_categories
    user = get_user_model().objects.get(email="grace@gamma-health.example")
    assert partner.memberships.get().user == user and partner.memberships.get().role == "owner"
    assert EmailAddress.objects.get(user=user).verified is False
    signed = set(Acceptance.objects.filter(partner=partner).values_list("document__kind", flat=True))
    assert signed == {"mnda", "terms", "baa"}
    assert AuditEvent.objects.filter(action="partner.application_submitted", partner=partner).exists()
    assert partner.status_changes.get().to_status == "pending"
    # Confirmation page, signed in, with the GPID.
    page = client.get(resp["Location"]).content.decode()
    assert "CMS-00000001" in page and "Use the sandbox now." in page
    assert any("confirm-email" in m.body for m in mail.outbox)  # allauth verification link


def test_application_emails_go_to_applicant_and_staff(client, db, django_capture_on_commit_callbacks, settings):
    from partners import tasks

    complete(client)
    partner = Partner.objects.get()
    mail.outbox.clear()
    tasks.send_notification.apply(args=["received", partner.pk])
    tasks.send_notification.apply(args=["new_application", partner.pk])
    received, staff_mail = mail.outbox
    assert received.to == ["grace@gamma-health.example"]
    assert "CMS-00000001" in received.subject and "sandbox is open now" in received.body
    assert staff_mail.to == settings.STAFF_NOTIFICATION_EMAILS
    assert "Gamma Health Plan" in staff_mail.subject and "/admin/partners/partner/" in staff_mail.body


def test_baa_is_required_when_phi_is_handled(client, db):
    resp = complete(client, account={"accept_baa": ""})
    assert "The HIPAA Business Associate Agreement is required because your integration handles PHI." in (
        resp.content.decode()
    )
    assert not Partner.objects.exists() and not get_user_model().objects.exists()


def test_without_phi_no_baa_is_asked_or_signed(client, db):
    complete(client, integration={"handles_phi": ""}, account={"accept_baa": ""})
    partner = Partner.objects.get()
    assert not partner.handles_phi
    assert set(Acceptance.objects.filter(partner=partner).values_list("document__kind", flat=True)) == {"mnda", "terms"}


def test_duplicate_email_is_refused_case_insensitively(client, alice):
    resp = complete(client, account={"email": "ALICE@acme-health.example"})
    assert "An account with this email already exists. Sign in instead." in resp.content.decode()
    assert not Partner.objects.exists()


def test_duplicate_legal_name_and_npi_is_refused(client, db):
    PartnerFactory(legal_name="Gamma Health Plan", npi="1234567893")
    client.get("/signup/")
    resp = post_step(client, "organization", {**ORGANIZATION, "legal_name": "GAMMA health plan"})
    assert "This organization (same legal name and NPI) has already applied." in resp.content.decode()


def test_weak_password_is_refused_and_nothing_is_created(client, db):
    resp = complete(client, account={"password1": "password", "password2": "password"})
    assert "This password is too common." in resp.content.decode()
    assert not get_user_model().objects.exists()


def test_skipping_steps_by_posting_the_last_step_fails(client, db):
    client.get("/signup/")
    resp = post_step(client, "account", ACCOUNT)
    assert resp.status_code == 200
    assert not Partner.objects.exists() and not get_user_model().objects.exists()


def test_replaying_the_final_post_creates_nothing_more(client, db):
    complete(client)
    replay = Client()
    replay.get("/signup/")
    post_step(replay, "account", ACCOUNT)
    assert Partner.objects.count() == 1 and get_user_model().objects.count() == 1


def test_signed_in_users_are_sent_to_the_dashboard(alice_client):
    resp = alice_client.get("/signup/")
    assert resp.status_code == 302 and resp["Location"] == "/dashboard/"


def test_allauth_signup_leads_to_the_wizard(client, db):
    resp = client.get("/accounts/signup/")
    assert resp.status_code == 302 and resp["Location"] == "/signup/"


def test_partner_types_page_lists_types_and_their_categories(client, db):
    html = client.get("/partners/types/").content.decode()
    assert html.count('class="card"') == 9
    assert "Clearinghouse / revenue-cycle" in html and "Velocity RCM" in html


def test_reloading_the_page_resumes_the_current_step(client, db):
    client.get("/signup/")
    post_step(client, "organization", ORGANIZATION)
    assert "Step 2 of 3: Integration" in client.get("/signup/").content.decode()
    assert "Step 1 of 3" in client.get("/signup/?restart").content.decode()
