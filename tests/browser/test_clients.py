"""Register an OAuth client in Chromium, see the secret once, rotate it, disable it."""

import pytest

from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.test_legal import sign_in
from tokens.models import OAuthClient
from tokens.oauth import secret_matches


@pytest.mark.django_db(transaction=True)
def test_register_rotate_and_disable_a_client(page, alice, acme):
    sign_in(page, alice.email)
    page.goto("/dashboard/apps/")
    page.get_by_label("Name").fill("nightly export")
    page.get_by_label("cms.fhir.r4.read").check()
    page.get_by_role("button", name="Register client").click()
    client = OAuthClient.objects.get(name="nightly export")
    secret = page.locator("#secret-once").inner_text().strip()
    assert secret_matches(secret, client.client_secret)
    assert_accessible(page)
    screenshot(page, "clients-registered")

    page.get_by_role("link", name="Rotate secret of nightly export").click()
    page.get_by_role("button", name="Rotate secret").click()
    assert page.get_by_text("The previous secret keeps working for 24 hours.").is_visible()
    new_secret = page.locator("#secret-once").inner_text().strip()
    client.refresh_from_db()
    assert new_secret != secret
    assert secret_matches(new_secret, client.client_secret) and secret_matches(secret, client.client_secret)

    page.get_by_role("link", name="Disable client nightly export").click()
    page.get_by_role("button", name="Disable client").click()
    assert page.get_by_text("OAuth client “nightly export” disabled; its tokens no longer work.").is_visible()
    client.refresh_from_db()
    assert client.disabled_at is not None
