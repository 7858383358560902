from django.urls import reverse

from portal import content
from scopes import catalog as scopes
from webhooks.catalog import EVENT_TYPES


def test_home_presents_the_seed_programme(client, db):
    resp = client.get(reverse("home"))
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "<h1>CMS Health Tech Ecosystem</h1>" in html
    assert content.TAGLINE in html
    for figure in ("500 req/min", "30 req/sec", "99.9%", "&lt; 250ms token", "Partner audit 3y", "Business hours · 8h"):
        assert figure in html
    for step in ("Organization", "Integration", "Account"):
        assert f"<h3>{step}</h3>" in html
    for feature in content.FEATURES:
        assert feature.title in html
    for scope in scopes.home_page_scopes():
        assert f"<code>{scope.code}</code>" in html
    assert "<code>/cms/partner-login</code>" in html and "<code>/cms-ecosystem/sdk-catalog</code>" in html
    for event in EVENT_TYPES:  # the seed's three events; webhook.test is documented with the webhooks
        assert (f"<code>{event.type}</code>" in html) is event.from_seed
    assert "&quot;records_processed&quot;: 1240" in html  # the seed's example payload, pretty-printed
    assert "11 required items" in html and "Webhook idempotency by delivery ID" in html


def test_home_links_to_signup_and_signin_for_visitors(client, db):
    html = client.get(reverse("home")).content.decode()
    assert 'href="/signup/"' in html and reverse("account_login") in html
    assert 'href="/partners/types/#type-clearinghouse"' in html


def test_home_offers_the_dashboard_when_signed_in(alice_client):
    html = alice_client.get(reverse("home")).content.decode()
    assert reverse("dashboard") in html
    assert "Sign out" in html


def test_home_loads_no_asset_from_another_host(client, db):
    html = client.get(reverse("home")).content.decode()
    assert "http://" not in html.replace("http://127.0.0.1", "")
    assert "https://" not in html
    assert "<script>" not in html  # every script is an external same-origin file


def test_webhook_examples_match_the_seed_exactly():
    by_type = {e.type: e.example for e in EVENT_TYPES}
    assert by_type["partner.token.revoked"] == {
        "event": "partner.token.revoked",
        "token_id": "tok_abc",
        "partner_gpid": "CMS-00000001",
        "revoked_at": "2026-06-13T17:00:00Z",
        "reason": "admin_action",
    }
    assert by_type["pipeline.sync.failed"]["message"] == "Bundle entry 14 failed FHIR validation"
    assert by_type["pipeline.sync.completed"]["resource_types"] == ["Patient", "Observation"]
