"""Dashboard pages for webhooks: secrets once, confirmations, the log, and outsiders."""

from __future__ import annotations

import pytest
from django.urls import reverse

from webhooks import services
from webhooks.delivery import attempt
from webhooks.models import Delivery, Endpoint

PUBLIC = "https://93.184.215.14/hooks"


@pytest.fixture
def hook(endpoint_for, receiver):
    return endpoint_for(receiver.url)


def test_adding_an_endpoint_shows_the_secret_once(alice_client):
    resp = alice_client.post(
        reverse("webhooks:list"),
        {"url": PUBLIC, "description": "claims", "events": ["partner.token.revoked"], "environment": "sandbox"},
    )
    endpoint = Endpoint.objects.get()
    assert resp.status_code == 302 and resp["Location"] == reverse("webhooks:detail", args=[endpoint.public_id])
    page = alice_client.get(resp["Location"]).content.decode()
    assert "Copy the signing secret now" in page
    secret = page.split('id="secret-once">')[1].split("<")[0]
    assert secret.startswith("whsec_") and secret[6:10] == endpoint.secret_hint
    again = alice_client.get(resp["Location"]).content.decode()
    assert secret not in again and endpoint.display_secret in again


def test_form_errors_name_the_problem_and_keep_the_input(alice_client):
    resp = alice_client.post(
        reverse("webhooks:list"), {"url": "https://10.0.0.1/x", "description": "keep me", "environment": "sandbox"}
    )
    page = resp.content.decode()
    assert resp.status_code == 200
    assert "a private address (10.0.0.0/8)" in page  # every problem at once
    assert "Subscribe to at least one event type." in page and 'value="keep me"' in page
    assert not Endpoint.objects.exists()


def test_the_list_counts_recent_deliveries(alice_client, hook):
    delivery = services.send_test(endpoint=hook.endpoint, by=None)
    attempt(delivery.pk, owner="test")
    page = alice_client.get(reverse("webhooks:list")).content.decode()
    assert hook.endpoint.url in page and "1 delivered · 0 failed" in page
    assert "<code>webhook.test</code>" in page and "&quot;endpoint_id&quot;" in page  # the catalog, with examples


def test_detail_shows_the_log_with_filters_and_snippets(alice_client, hook, receiver):
    receiver.answer(500)
    delivery = services.send_test(endpoint=hook.endpoint, by=None)
    attempt(delivery.pk, owner="test")
    url = reverse("webhooks:detail", args=[hook.endpoint.public_id])
    page = alice_client.get(url).content.decode()
    assert delivery.event.public_id in page and "HTTP 500" in page
    assert "verify_webhook" in page and "verifyWebhook" in page
    assert delivery.event.public_id not in alice_client.get(url + "?status=succeeded").content.decode()
    assert alice_client.get(url + "?status=bogus").status_code == 200  # an invalid filter is ignored, not a 500


def test_delivery_page_shows_payload_headers_attempts_and_replays(alice_client, hook):
    delivery = services.send_test(endpoint=hook.endpoint, by=None)
    attempt(delivery.pk, owner="test")
    page = alice_client.get(reverse("webhooks:delivery", args=[delivery.public_id])).content.decode()
    assert "webhook-signature: v1," in page and "Attempt 1: HTTP 200" in page
    assert "&quot;event&quot;:&quot;webhook.test&quot;" in page
    resp = alice_client.post(reverse("webhooks:replay", args=[delivery.public_id]))
    replay = Delivery.objects.exclude(pk=delivery.pk).get()
    assert resp["Location"] == reverse("webhooks:delivery", args=[replay.public_id])
    assert replay.event_id == delivery.event_id and replay.replay_of_id == delivery.pk


def test_rotate_disable_enable_and_delete_go_through_confirmation(alice_client, hook):
    endpoint = hook.endpoint
    rotate = reverse("webhooks:rotate", args=[endpoint.public_id])
    assert "Rotate the signing secret" in alice_client.get(rotate).content.decode()
    Endpoint.objects.get(pk=endpoint.pk)  # nothing changed on GET
    page = alice_client.get(alice_client.post(rotate)["Location"]).content.decode()
    assert "New signing secret." in page and "keeps signing beside it until" in page
    disable = reverse("webhooks:disable", args=[endpoint.public_id])
    assert "Disable " in alice_client.get(disable).content.decode()
    assert Endpoint.objects.get(pk=endpoint.pk).is_active
    alice_client.post(disable)
    assert not Endpoint.objects.get(pk=endpoint.pk).is_active
    alice_client.post(reverse("webhooks:enable", args=[endpoint.public_id]))
    assert Endpoint.objects.get(pk=endpoint.pk).is_active
    delete = reverse("webhooks:delete", args=[endpoint.public_id])
    assert "cannot be undone" in alice_client.get(delete).content.decode()
    assert alice_client.post(delete)["Location"] == reverse("webhooks:list")
    assert not Endpoint.objects.exists()


def test_test_button_and_recover_form(alice_client, hook):
    resp = alice_client.post(reverse("webhooks:test", args=[hook.endpoint.public_id]))
    delivery = Delivery.objects.get()
    assert resp["Location"] == reverse("webhooks:delivery", args=[delivery.public_id])
    resp = alice_client.post(reverse("webhooks:recover", args=[hook.endpoint.public_id]), {"since": "not a date"})
    assert "Nothing recovered" in alice_client.get(resp["Location"]).content.decode()
    Delivery.objects.update(status=Delivery.Status.FAILED)
    resp = alice_client.post(reverse("webhooks:recover", args=[hook.endpoint.public_id]), {"since": "2020-01-01T00:00"})
    assert "1 failed deliveries queued again." in alice_client.get(resp["Location"]).content.decode()


def test_viewer_sees_but_cannot_change(viewer, hook):
    from tests.conftest import _client_for

    client = _client_for(viewer)
    page = client.get(reverse("webhooks:detail", args=[hook.endpoint.public_id])).content.decode()
    assert hook.endpoint.url in page and "Send test event" not in page
    assert client.post(reverse("webhooks:test", args=[hook.endpoint.public_id])).status_code == 403
    assert client.post(reverse("webhooks:list"), {"url": PUBLIC, "events": ["webhook.test"]}).status_code == 403
    assert not Delivery.objects.exists() and Endpoint.objects.count() == 1


def test_bob_gets_404_for_every_page_of_alices_endpoint(bob_client, hook):
    delivery = services.send_test(endpoint=hook.endpoint, by=None)
    eid = hook.endpoint.public_id
    for name in ("detail", "rotate", "disable", "delete"):
        assert bob_client.get(reverse(f"webhooks:{name}", args=[eid])).status_code == 404, name
    for name in ("rotate", "disable", "enable", "delete", "test", "recover"):
        assert bob_client.post(reverse(f"webhooks:{name}", args=[eid])).status_code == 404, name
    assert bob_client.get(reverse("webhooks:delivery", args=[delivery.public_id])).status_code == 404
    assert bob_client.post(reverse("webhooks:replay", args=[delivery.public_id])).status_code == 404
    assert hook.endpoint.url not in bob_client.get(reverse("webhooks:list")).content.decode()
    assert Endpoint.objects.get(pk=hook.endpoint.pk).is_active and Delivery.objects.count() == 1


def test_anonymous_is_sent_to_sign_in(client, hook):
    resp = client.get(reverse("webhooks:detail", args=[hook.endpoint.public_id]))
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]
