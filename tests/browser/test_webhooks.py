"""Webhooks in Chromium, with a real Celery worker and a real receiver: add an endpoint
(secret shown once), send a test event, then revoke a token in the UI and watch the
signed partner.token.revoked delivery arrive and appear in the log."""

from __future__ import annotations

import json

import pytest
from standardwebhooks.webhooks import Webhook

from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.test_legal import sign_in
from tests.webhooks.receiver import serve
from webhooks.models import Endpoint


@pytest.fixture
def receiver():
    yield from serve()


def _reload_until(page, text: str, tries: int = 60) -> None:
    for _ in range(tries):
        if page.get_by_text(text).count():
            return
        page.wait_for_timeout(250)
        page.reload()
    raise AssertionError(f"{text!r} never appeared")


@pytest.mark.django_db(transaction=True)
def test_endpoint_test_event_and_revocation_delivery(page, alice, acme, issue, receiver, celery_worker):
    sign_in(page, alice.email)
    page.get_by_role("link", name="Manage webhooks").click()
    assert page.locator("h1").inner_text() == "Webhooks"
    screenshot(page, "webhooks-list")
    assert_accessible(page)
    page.get_by_label("Endpoint URL").fill(receiver.url)
    page.get_by_label("Description").fill("Local receiver")
    page.get_by_label("partner.token.revoked").check()
    page.get_by_label("webhook.test").check()
    page.get_by_role("button", name="Add endpoint").click()

    secret = page.locator("#secret-once").inner_text().strip()
    assert secret.startswith("whsec_")
    page.get_by_role("button", name="Copy signing secret").wait_for(state="visible")
    screenshot(page, "webhooks-created")
    assert_accessible(page)
    endpoint_url = page.url
    page.reload()
    assert secret not in page.content()  # shown once

    page.get_by_role("link", name="Rotate secret").click()
    assert page.locator("h1").inner_text().startswith("Rotate the signing secret of")
    screenshot(page, "webhooks-rotate-confirm")
    assert_accessible(page)
    page.get_by_role("link", name="Cancel").click()
    assert page.url == endpoint_url and Endpoint.objects.get().previous_secret_ciphertext == ""

    page.get_by_role("button", name="Send test event").click()
    _reload_until(page, "Attempt 1: HTTP 200")
    (test_request,) = receiver.wait_for(1)
    assert Webhook(secret).verify(test_request.body, test_request.headers)["event"] == "webhook.test"
    screenshot(page, "webhooks-delivery")
    assert_accessible(page)

    token = issue(name="nightly export").token
    page.goto("/dashboard/tokens/")
    page.get_by_role("link", name="Revoke token nightly export").click()
    page.get_by_role("button", name="Revoke token").click()
    _, revoked = receiver.wait_for(2)
    payload = Webhook(secret).verify(revoked.body, revoked.headers)
    assert payload == {**payload, "event": "partner.token.revoked", "token_id": token.public_id}
    assert payload["reason"] == "user_request" and payload["partner_gpid"] == acme.gpid
    assert list(json.loads(revoked.body)) == ["event", "token_id", "partner_gpid", "revoked_at", "reason"]

    page.goto(endpoint_url)
    _reload_until(page, "partner.token.revoked")
    page.get_by_role("link", name="partner.token.revoked").first.click()
    _reload_until(page, "Attempt 1: HTTP 200")
    assert page.get_by_text(revoked.headers["webhook-id"]).count() >= 1
    assert Endpoint.objects.get().deliveries.count() == 2
