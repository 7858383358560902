"""The public pages in a real Chromium: content, accessibility, CSP, no outside requests."""

import pytest

from portal import demo
from tests.browser.conftest import assert_accessible, screenshot

WIDTHS = {"desktop": 1280, "mobile": 390}


@pytest.mark.django_db(transaction=True)
def test_home_page_shows_the_programme(page):
    page.goto("/")
    assert page.locator("h1").inner_text() == "CMS Health Tech Ecosystem"
    assert page.get_by_role("heading", name="Rate limits & SLA").is_visible()
    figures = page.locator(".figure").all_inner_texts()
    assert any("500 req/min" in f for f in figures) and any("< 250ms token" in f for f in figures)
    steps = page.locator(".steps h3").all_inner_texts()
    assert steps == ["Organization", "Integration", "Account"]
    assert page.locator("table >> text=cms.fhir.bundle.push").is_visible()
    assert page.locator(".event h3 code").all_inner_texts() == [
        "pipeline.sync.completed",
        "pipeline.sync.failed",
        "partner.token.revoked",
    ]
    assert '"reason": "admin_action"' in page.locator(".event pre").nth(2).inner_text()
    assert page.get_by_text("Webhook HMAC-SHA256 verification implemented").is_visible()
    assert_accessible(page)
    for name, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"home-{name}")
    # Nothing overflows sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS["mobile"]


@pytest.mark.django_db(transaction=True)
def test_keyboard_user_can_skip_to_content_and_reach_sign_in(page):
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


@pytest.mark.django_db(transaction=True)
def test_sign_in_page_and_dashboard(page):
    from django.core.management import call_command

    call_command("seed_demo")
    page.goto("/accounts/login/")
    assert_accessible(page)
    for name, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 800})
        screenshot(page, f"sign-in-{name}")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_label("Email").fill(demo.PARTNER_EMAIL)
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign In").click()
    assert page.get_by_text("The email address and/or password you specified are not correct.").is_visible()
    page.get_by_label("Password").fill(demo.PARTNER_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/dashboard/")
    assert page.locator("h1").inner_text() == "Acme Health Plan"
    assert page.get_by_text("GPID CMS-00000001").is_visible()
    assert_accessible(page)


@pytest.mark.django_db(transaction=True)
def test_api_docs_render_offline_under_the_csp(page):
    page.goto("/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15000)
    assert page.get_by_text("/api/scopes").first.is_visible()
    for name, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"docs-{name}")


@pytest.mark.django_db(transaction=True)
def test_staff_admin_signs_in(page):
    from django.core.management import call_command

    call_command("seed_demo")
    page.goto("/admin/")
    page.wait_for_url("**/accounts/login/**")  # staff sign in like everyone: allauth, with its 2FA step
    page.get_by_label("Email").fill(demo.STAFF_EMAIL)
    page.get_by_label("Password").fill(demo.STAFF_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/admin/")
    assert page.get_by_role("link", name="Partners").first.is_visible()
    assert page.get_by_role("link", name="Audit events").is_visible()
    for name, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"admin-{name}")


@pytest.mark.django_db(transaction=True)
def test_scope_reference_filters(page):
    page.goto("/scopes/")
    assert page.locator("article.scope").count() == 42
    page.get_by_label("Search scopes").fill("tefca")
    page.get_by_role("button", name="Filter").click()
    assert page.locator("article.scope").count() == 4
    assert_accessible(page)
    screenshot(page, "scopes-desktop")
