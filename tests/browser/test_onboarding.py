"""The front door in Chromium: apply through the wizard, get reviewed, see the result."""

import time

import pytest
from django.core import mail

from partners.models import Partner
from tests.browser.conftest import assert_accessible, screenshot
from tests.factories import PASSWORD, UserFactory


def wait_for_mail(count, timeout=20):
    deadline = time.monotonic() + timeout
    while len(mail.outbox) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return mail.outbox


def sign_out(page):
    page.get_by_role("link", name="Sign out").click()
    page.get_by_role("button", name="Sign Out").click()
    page.wait_for_url("**/")


@pytest.mark.django_db(transaction=True)
def test_apply_review_and_approve(page, celery_worker):
    staff = UserFactory(username="reviewer", email="reviewer@portal.localhost")
    staff.is_staff = staff.is_superuser = True
    staff.save()

    page.goto("/")
    page.get_by_role("link", name="Sign up your organization").first.click()
    assert page.get_by_text("Step 1 of 3: Organization").is_visible()
    assert_accessible(page)
    page.get_by_label("Legal name of the organization").fill("Gamma Health Plan")
    page.get_by_label("Partner type").select_option("payer")
    page.get_by_label("Contact name").fill("Grace Gamma")
    page.get_by_label("Contact email").fill("grace@gamma-health.example")
    page.get_by_label("Phone").fill("+1 202 555 0199")
    page.get_by_label("NPI").fill("1234567890")
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_text("This NPI's check digit is wrong").is_visible()
    screenshot(page, "signup-npi-error")
    page.get_by_label("NPI").fill("1234567893")
    page.get_by_role("button", name="Continue").click()

    assert page.get_by_text("Step 2 of 3: Integration").is_visible()
    page.get_by_label("Use case").fill("Patient Access API for our Medicare Advantage members.")
    page.get_by_label("FHIR Platform").check()
    page.get_by_label("SMART on FHIR").check()
    page.get_by_label("Bidirectional").check()
    page.get_by_label("Expected volume").select_option("10k_100k")
    page.get_by_label("Our integration creates, receives, stores or transmits").check()
    assert_accessible(page)
    page.get_by_role("button", name="Back").click()
    assert page.get_by_label("Legal name of the organization").input_value() == "Gamma Health Plan"
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_label("Use case").input_value() == "Patient Access API for our Medicare Advantage members."
    page.get_by_role("button", name="Continue").click()

    assert page.get_by_text("Step 3 of 3: Account").is_visible()
    page.get_by_label("Your email (sign-in)").fill("grace@gamma-health.example")
    page.get_by_label("Portal password").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_label("Your full name (electronic signature)").fill("Grace Gamma")
    page.get_by_label("Your title").fill("Chief Digital Officer")
    page.locator("#id_account-accept_mnda").check()
    page.locator("#id_account-accept_terms").check()
    page.locator("#id_account-accept_baa").check()
    assert_accessible(page)
    screenshot(page, "signup-account")
    page.get_by_role("button", name="Submit application").click()

    page.wait_for_url("**/signup/done/")
    partner = Partner.objects.get(legal_name="Gamma Health Plan")
    assert page.get_by_text(partner.gpid).first.is_visible()
    screenshot(page, "signup-done")
    subjects = [m.subject for m in wait_for_mail(3)]
    assert any("We received your application" in s for s in subjects)
    assert any("New partner application: Gamma Health Plan" in s for s in subjects)

    page.get_by_role("link", name="Go to your dashboard").click()
    assert page.locator("h1").inner_text() == "Gamma Health Plan"
    assert page.get_by_text("Pending review").first.is_visible()
    assert page.get_by_text("Sandbox open").is_visible()
    screenshot(page, "dashboard-pending")
    # The sandbox is open while the application is reviewed: create a token right away.
    page.get_by_role("link", name="Create a token").click()
    page.get_by_label("Name").fill("first sandbox call")
    page.get_by_label("cms.fhir.r4.read").check()
    page.get_by_role("button", name="Create token").click()
    assert page.locator("#secret-once").inner_text().startswith("cms_sk_sandbox_")
    page.goto("/dashboard/")
    sign_out(page)

    page.goto("/admin/login/")
    page.get_by_label("Email").fill("reviewer@portal.localhost")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/admin/**")
    page.goto(f"/admin/partners/partner/{partner.pk}/change/")
    screenshot(page, "admin-review")
    page.get_by_role("link", name="Approve").click()
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(f"**/admin/partners/partner/{partner.pk}/change/")
    partner.refresh_from_db()
    assert partner.status == "approved"
    assert any("Approved" in m.subject for m in wait_for_mail(4))
    page.context.clear_cookies()  # sign the reviewer out

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("grace@gamma-health.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/dashboard/")
    assert page.get_by_text("Approved").first.is_visible()
    screenshot(page, "dashboard-approved")
