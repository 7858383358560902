"""The /webhooks API: endpoints, secrets, tests, deliveries, replay — and outsiders."""

from __future__ import annotations

import base64

import pytest
from standardwebhooks.webhooks import Webhook

from audit.models import AuditEvent
from tests.conftest import bearer
from tests.contract import assert_documented, served_schema
from tokens import services as token_services
from webhooks import services
from webhooks.delivery import attempt
from webhooks.models import Delivery, Endpoint

PUBLIC = "https://93.184.215.14/hooks"  # a literal public address: no DNS needed


@pytest.fixture
def alice_api(api, issue):
    return bearer(api, issue().secret)


@pytest.fixture
def bob_api(beta):
    from rest_framework.test import APIClient

    owner = beta.memberships.get(role="owner").user
    issued = token_services.create_api_token(
        partner=beta,
        name="bob",
        scopes=["cms.partner.read", "cms.partner.write"],
        environment="sandbox",
        expires_in_days=30,
        by=owner,
    )
    return bearer(APIClient(), issued.secret)


def create(client, **overrides):
    body = {"url": PUBLIC, "events": ["partner.token.revoked"], "description": "claims sync"} | overrides
    return client.post("/webhooks", body, format="json")


def test_create_shows_the_secret_once(alice_api):
    resp = create(alice_api)
    assert resp.status_code == 201
    body = resp.json()
    assert body["id"].startswith("we_")
    assert body["secret"].startswith("whsec_")
    assert len(base64.b64decode(body["secret"].removeprefix("whsec_"))) >= 24
    assert body["events"] == ["partner.token.revoked"] and body["active"] is True
    assert body["environment"] == "sandbox"
    assert body["secret_hint"] == f"whsec_{body['secret'][6:10]}…"
    shown_again = alice_api.get(f"/webhooks/{body['id']}").json()
    listed = alice_api.get("/webhooks").json()
    assert "secret" not in shown_again and listed["count"] == 1 and "secret" not in listed["results"][0]
    endpoint = Endpoint.objects.get(public_id=body["id"])
    assert body["secret"] not in endpoint.secret_ciphertext  # encrypted at rest
    assert AuditEvent.objects.filter(action="webhook_endpoint.created", object_id=body["id"]).exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "spaces or control characters"),
        ("example.org/hooks", "Use an https:// URL."),
        ("https://93.184.215.14/caf\u00e9", "non-ASCII characters: percent-encode them"),
        ("https://[::a9fe:a9fe]/hook", "link-local"),
        ("https://[64:ff9b::a00:1]/hook", "a private address (10.0.0.0/8)"),
        ("https://[fec0::1]/hook", "site-local"),
        ("ftp://93.184.215.14/x", "Use an https:// URL."),
        ("https://10.1.2.3/hook", "a private address (10.0.0.0/8)"),
        ("https://172.20.0.1/hook", "a private address (172.16.0.0/12)"),
        ("https://192.168.1.10/hook", "a private address (192.168.0.0/16)"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://100.64.0.7/hook", "carrier-grade NAT"),
        ("https://224.0.0.1/hook", "multicast"),
        ("https://[fd00::1]/hook", "unique local"),
        ("https://[fe80::1]/hook", "link-local IPv6"),
        ("https://[::ffff:10.0.0.1]/hook", "a private address (10.0.0.0/8)"),
        ("https://user:pw@93.184.215.14/hook", "credentials in the URL"),
    ],
)
def test_blocked_or_invalid_urls_are_400_with_the_reason(alice_api, url, message):
    resp = create(alice_api, url=url)
    assert resp.status_code == 400
    assert resp.json()["code"] == "invalid"
    assert message in resp.json()["errors"]["url"][0]
    assert not Endpoint.objects.exists()


def test_loopback_is_refused_unless_the_setting_allows_it(alice_api, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    resp = create(alice_api, url="http://127.0.0.1:9/hook")
    assert resp.status_code == 400 and "loopback" in resp.json()["errors"]["url"][0]
    resp = create(alice_api, url="http://localhost:9/hook")
    assert resp.status_code == 400 and "localhost resolves to" in resp.json()["errors"]["url"][0]
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    assert create(alice_api, url="http://127.0.0.1:9/hook").status_code == 201


def test_production_endpoints_need_https(alice_api):
    resp = create(alice_api, url="http://93.184.215.14/hooks", environment="production")
    assert resp.status_code == 400
    assert resp.json()["errors"]["url"] == ["Production endpoints must use https://."]
    assert create(alice_api, environment="production").status_code == 201


def test_unknown_event_type_is_named(alice_api):
    resp = create(alice_api, events=["partner.token.revoked", "pipeline.sync.exploded"])
    assert resp.status_code == 400
    assert "Unknown event type: pipeline.sync.exploded" in resp.json()["errors"]["events"][0]
    resp = create(alice_api, events=[])
    assert resp.status_code == 400


def test_twenty_endpoints_is_the_limit(alice_api):
    for n in range(services.MAX_ENDPOINTS):
        assert create(alice_api, url=f"{PUBLIC}/{n}").status_code == 201
    resp = create(alice_api, url=f"{PUBLIC}/one-too-many")
    assert resp.status_code == 400
    assert "20 webhook endpoints" in resp.json()["detail"]
    assert Endpoint.objects.count() == services.MAX_ENDPOINTS


def test_a_declined_partner_cannot_add_endpoints(alice_api, acme):
    from django.core.cache import cache

    from partners.models import Partner
    from partners.permissions import SandboxClosed

    Partner.objects.filter(pk=acme.pk).update(status=Partner.Status.REJECTED)
    cache.clear()
    assert create(alice_api).status_code == 401  # a declined partner's credentials stop working
    owner = acme.memberships.get(role="owner").user
    acme.refresh_from_db()
    with pytest.raises(SandboxClosed, match="declined"):
        services.create_endpoint(partner=acme, url=PUBLIC, event_types=["webhook.test"], by=owner)
    assert not Endpoint.objects.exists()


def test_patch_changes_fields_and_disables_and_enables(alice_api):
    endpoint_id = create(alice_api).json()["id"]
    resp = alice_api.patch(
        f"/webhooks/{endpoint_id}",
        {"events": ["pipeline.sync.failed", "pipeline.sync.completed"], "description": "pipelines"},
        format="json",
    )
    assert resp.status_code == 200
    assert resp.json()["events"] == ["pipeline.sync.completed", "pipeline.sync.failed"]  # catalog order
    assert resp.json()["description"] == "pipelines"
    off = alice_api.patch(f"/webhooks/{endpoint_id}", {"active": False}, format="json").json()
    assert off["active"] is False and off["disabled_reason"] == "user"
    test = alice_api.post(f"/webhooks/{endpoint_id}/test")
    assert test.status_code == 400 and "disabled" in test.json()["detail"]
    on = alice_api.patch(f"/webhooks/{endpoint_id}", {"active": True}, format="json").json()
    assert on["active"] is True and on["disabled_reason"] is None
    bad = alice_api.patch(f"/webhooks/{endpoint_id}", {"url": "https://10.0.0.1/"}, format="json")
    assert bad.status_code == 400 and "private" in bad.json()["errors"]["url"][0]


def test_delete_removes_the_endpoint(alice_api):
    endpoint_id = create(alice_api).json()["id"]
    assert alice_api.delete(f"/webhooks/{endpoint_id}").status_code == 204
    assert alice_api.get(f"/webhooks/{endpoint_id}").status_code == 404
    assert AuditEvent.objects.filter(action="webhook_endpoint.deleted", object_id=endpoint_id).exists()


def test_rotation_signs_with_both_secrets_for_a_day(alice_api, receiver):
    created = create(alice_api, url=receiver.url, events=["webhook.test"]).json()
    rotated = alice_api.post(f"/webhooks/{created['id']}/rotate-secret")
    assert rotated.status_code == 200
    new_secret = rotated.json()["secret"]
    assert new_secret != created["secret"] and rotated.json()["previous_secret_expires_at"].endswith("Z")
    delivery = alice_api.post(f"/webhooks/{created['id']}/test").json()
    attempt(Delivery.objects.get(public_id=delivery["id"]).pk, owner="test")
    (request,) = receiver.wait_for(1)
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    # A receiver with either secret accepts it: deploy the new one at leisure.
    assert Webhook(created["secret"]).verify(request.body, request.headers)["event"] == "webhook.test"
    assert Webhook(new_secret).verify(request.body, request.headers)["endpoint_id"] == created["id"]


def test_test_event_and_delivery_log(alice_api, receiver):
    endpoint_id = create(alice_api, url=receiver.url).json()["id"]
    resp = alice_api.post(f"/webhooks/{endpoint_id}/test")
    assert resp.status_code == 202
    queued = resp.json()
    assert queued["status"] == "pending" and queued["event_type"] == "webhook.test"
    receiver.answer(503)
    attempt(Delivery.objects.get(public_id=queued["id"]).pk, owner="test")
    log = alice_api.get(f"/webhooks/{endpoint_id}/deliveries").json()
    assert log["count"] == 1
    (row,) = log["results"]
    assert row["attempts"] == 1 and row["last_status_code"] == 503 and row["status"] == "pending"
    assert row["next_attempt_at"].endswith("Z")
    detail = alice_api.get(f"/webhooks/deliveries/{queued['id']}").json()
    assert detail["payload"]["event"] == "webhook.test"
    (first,) = detail["attempt_log"]
    assert first["status_code"] == 503 and first["request_headers"]["webhook-id"] == queued["event_id"]
    assert first["response_body"] == '{"received": 1}'
    assert alice_api.get(f"/webhooks/{endpoint_id}/deliveries?status=succeeded").json()["count"] == 0
    assert alice_api.get(f"/webhooks/{endpoint_id}/deliveries?event_type=webhook.test").json()["count"] == 1
    bad = alice_api.get(f"/webhooks/{endpoint_id}/deliveries?status=lost")
    assert bad.status_code == 400 and "Use one of: pending, succeeded, failed." in bad.json()["errors"]["status"][0]


def test_the_delivery_log_and_its_filter_errors_are_answered_as_documented(alice_api, receiver):
    """The log is a page of deliveries (each with its attempts), a delivery shows every
    attempt, and a filter value outside the documented ones is a documented 400."""
    endpoint_id = create(alice_api, url=receiver.url).json()["id"]
    delivery_id = alice_api.post(f"/webhooks/{endpoint_id}/test").json()["id"]
    attempt(Delivery.objects.get(public_id=delivery_id).pk, owner="test")
    schema = served_schema()
    log = alice_api.get(f"/webhooks/{endpoint_id}/deliveries")
    assert log.json()["results"][0]["attempts"] == 1
    assert_documented(log, "GET", "/webhooks/{endpoint_id}/deliveries", schema)
    detail = alice_api.get(f"/webhooks/deliveries/{delivery_id}")
    assert detail.json()["attempt_log"][0]["status_code"] == 200
    assert_documented(detail, "GET", "/webhooks/deliveries/{delivery_id}", schema)
    for query, field in [("status=lost", "status"), ("event_type=partner.created", "event_type")]:
        bad = alice_api.get(f"/webhooks/{endpoint_id}/deliveries?{query}")
        assert bad.status_code == 400 and bad.json()["errors"][field][0].startswith("Use one of:")
        assert_documented(bad, "GET", "/webhooks/{endpoint_id}/deliveries", schema)


def test_replay_reuses_the_webhook_id(alice_api, receiver):
    endpoint_id = create(alice_api, url=receiver.url).json()["id"]
    original = alice_api.post(f"/webhooks/{endpoint_id}/test").json()
    attempt(Delivery.objects.get(public_id=original["id"]).pk, owner="test")
    resp = alice_api.post(f"/webhooks/deliveries/{original['id']}/replay")
    assert resp.status_code == 202
    replay = resp.json()
    assert replay["event_id"] == original["event_id"] and replay["replay_of"] == original["id"]
    attempt(Delivery.objects.get(public_id=replay["id"]).pk, owner="test")
    first, second = receiver.wait_for(2)
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == original["event_id"]
    assert first.body == second.body


def test_recover_replays_failed_events_not_yet_delivered(alice_api, acme, receiver):
    created = create(alice_api, url=receiver.url, events=["pipeline.sync.failed"]).json()
    endpoint = Endpoint.objects.get(public_id=created["id"])
    for n in range(3):
        services.emit(partner=acme, type="pipeline.sync.failed", payload={"job_id": f"job_{n}"})
    Delivery.objects.filter(endpoint=endpoint).update(status=Delivery.Status.FAILED, next_attempt_at=None)
    resp = alice_api.post(f"/webhooks/{created['id']}/recover", {"since": "2020-01-01T00:00:00Z"}, format="json")
    assert resp.status_code == 202 and resp.json() == {"replayed": 3}
    again = alice_api.post(f"/webhooks/{created['id']}/recover", {"since": "2020-01-01T00:00:00Z"}, format="json")
    assert again.json() == {"replayed": 0}  # already underway: nothing twice
    bad = alice_api.post(f"/webhooks/{created['id']}/recover", {"since": "yesterday"}, format="json")
    assert bad.status_code == 400 and "since" in bad.json()["errors"]


def test_reading_needs_read_scope_and_writing_write_scope(api, issue):
    reader = bearer(api, issue(scopes=["cms.partner.read"]).secret)
    assert reader.get("/webhooks").status_code == 200
    resp = create(reader)
    assert resp.status_code == 403
    assert resp.json()["detail"] == "This credential lacks the scope cms.partner.write."


def test_a_viewer_cannot_manage_webhooks_even_with_a_write_token(api, acme, viewer):
    membership = acme.memberships.get(user=viewer)
    issued = token_services.issue_management_token(membership=membership)
    client = bearer(api, issued.secret)
    assert client.get("/webhooks").status_code == 200
    resp = create(client)
    assert resp.status_code == 403


def test_anonymous_gets_401(api, db):
    resp = api.get("/webhooks")
    assert resp.status_code == 401 and resp["WWW-Authenticate"].startswith("Bearer")


def test_bob_cannot_see_or_touch_alices_webhooks(alice_api, bob_api, receiver):
    endpoint_id = create(alice_api, url=receiver.url).json()["id"]
    delivery_id = alice_api.post(f"/webhooks/{endpoint_id}/test").json()["id"]
    assert bob_api.get("/webhooks").json()["count"] == 0
    for method, path in [
        ("get", f"/webhooks/{endpoint_id}"),
        ("patch", f"/webhooks/{endpoint_id}"),
        ("delete", f"/webhooks/{endpoint_id}"),
        ("post", f"/webhooks/{endpoint_id}/rotate-secret"),
        ("post", f"/webhooks/{endpoint_id}/test"),
        ("post", f"/webhooks/{endpoint_id}/recover"),
        ("get", f"/webhooks/{endpoint_id}/deliveries"),
        ("get", f"/webhooks/deliveries/{delivery_id}"),
        ("post", f"/webhooks/deliveries/{delivery_id}/replay"),
    ]:
        resp = getattr(bob_api, method)(path, {}, format="json")
        assert resp.status_code == 404, (method, path, resp.status_code)
    assert Endpoint.objects.get(public_id=endpoint_id).is_active
    assert Delivery.objects.count() == 1
