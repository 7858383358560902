"""A partner owner signs the BAA in Chromium and downloads the executed PDF."""

import pytest

from tests.browser.conftest import assert_accessible, screenshot
from tests.factories import PASSWORD


def sign_in(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/dashboard/")


@pytest.mark.django_db(transaction=True)
def test_owner_signs_the_baa_and_downloads_the_executed_pdf(page, alice, acme, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    page.goto("/legal/")
    assert_accessible(page)
    screenshot(page, "legal-index")
    sign_in(page, alice.email)
    assert page.get_by_text("Before new production credentials can be issued, sign:").is_visible()  # owed agreements
    page.get_by_role("link", name="Open agreements").click()
    page.get_by_role("link", name="Review and sign HIPAA Business Associate Agreement").click()
    assert page.locator("h1").inner_text() == "Sign the HIPAA Business Associate Agreement"
    assert page.locator(".agreement h2").count() == 8
    assert_accessible(page)

    page.get_by_label("Title").fill("Chief Executive Officer")
    page.get_by_label("I have read this agreement").check()
    page.get_by_role("button", name="Sign agreement").click()
    assert page.get_by_text("Type your full name to sign.").is_visible()
    assert page.get_by_label("Title").input_value() == "Chief Executive Officer"  # nothing lost

    page.get_by_label("Full name").fill("Alice Anders")
    page.get_by_label("I have read this agreement").check()
    page.get_by_role("button", name="Sign agreement").click()
    page.wait_for_url("**/dashboard/legal/")
    assert page.get_by_text("HIPAA Business Associate Agreement v2026-03 signed for Acme Health Plan.").is_visible()
    screenshot(page, "legal-dashboard")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Executed PDF of HIPAA Business Associate Agreement").click()
    download = download_info.value
    assert download.suggested_filename == f"cms_hipaa_baa_v2026_03_executed_{acme.gpid}.pdf"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
