"""Create a sandbox token in Chromium (secret shown once), then revoke it."""

import pytest

from tests.browser.test_legal import sign_in
from tokens import keys
from tokens.models import ApiToken
from webhooks.models import Event


@pytest.mark.django_db(transaction=True)
def test_create_and_revoke_a_token(page, alice, acme):
    sign_in(page, alice.email)
    page.get_by_role("link", name="Create a token").click()
    assert page.locator("h1").inner_text() == "API tokens"
    page.get_by_label("Name").fill("claims-sync worker")
    page.get_by_label("cms.fhir.r4.read").check()
    page.get_by_label("cms.pipeline.read").check()
    page.get_by_role("button", name="Create token").click()

    secret = page.locator("#secret-once").inner_text().strip()
    token = ApiToken.objects.get(name="claims-sync worker")
    assert keys.matches(secret, token.secret_hash)
    page.get_by_role("button", name="Copy token").wait_for(state="visible")  # un-hidden by static/js
    from tests.browser.conftest import assert_accessible, screenshot

    screenshot(page, "tokens-created")
    assert_accessible(page)
    page.reload()
    assert secret not in page.content()  # shown once
    assert page.get_by_text(token.prefix).is_visible()

    page.get_by_role("link", name="Revoke token claims-sync worker").click()
    assert page.get_by_text("Revoke token “claims-sync worker”?").is_visible()
    page.get_by_role("button", name="Revoke token").click()
    assert page.get_by_text("Token “claims-sync worker” revoked.").is_visible()
    token.refresh_from_db()
    assert token.revoked_reason == "user_request"
    assert Event.objects.get(type="partner.token.revoked").payload["token_id"] == token.public_id
