from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.utils import timezone

from tests.factories import PASSWORD
from tests.tokens.conftest import bearer
from tokens.models import ApiToken
from webhooks.models import Event


def test_missing_or_bad_bearer_is_401_with_a_challenge(api, db):
    resp = api.get("/cms/tokens")
    assert resp.status_code == 401
    assert resp["WWW-Authenticate"] == 'Bearer realm="CMS Health Tech Ecosystem"'
    assert resp.json()["code"] == "not_authenticated"
    resp = bearer(api, "cms_sk_sandbox_short").get("/cms/tokens")
    assert resp.status_code == 401 and resp.json()["code"] == "invalid_token"
    assert "malformed or mistyped" in resp.json()["detail"]


def test_revoked_and_expired_tokens_are_401(api, issue):
    issued = issue()
    ApiToken.objects.filter(pk=issued.token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert "expired" in bearer(api, issued.secret).get("/cms/tokens").json()["detail"]
    other = issue()
    other.token.revoked_at = timezone.now()
    other.token.save()
    assert "revoked" in bearer(api, other.secret).get("/cms/tokens").json()["detail"]


def test_missing_scope_is_403_naming_it(api, issue):
    issued = issue(scopes=["cms.partner.read"])
    resp = bearer(api, issued.secret).post("/cms/tokens", {"name": "x", "scopes": ["cms.sdk.read"]}, format="json")
    assert resp.status_code == 403
    assert resp.json() == {"detail": "This credential lacks the scope cms.partner.write.", "code": "insufficient_scope"}


def test_create_list_and_revoke_through_the_api(api, issue, acme):
    admin = issue()
    bearer(api, admin.secret)
    resp = api.post(
        "/cms/tokens",
        {
            "name": "etl",
            "scopes": ["cms.fhir.r4.read", "cms.pipeline.read"],
            "environment": "sandbox",
            "expires_in_days": 30,
        },
        format="json",
    )
    assert resp.status_code == 201
    body = resp.json()
    assert body["id"].startswith("tok_") and body["token"].startswith("cms_sk_sandbox_")
    assert body["scopes"] == ["cms.fhir.r4.read", "cms.pipeline.read"] and body["environment"] == "sandbox"
    listed = api.get("/cms/tokens").json()
    assert listed["count"] == 2
    assert all("token" not in t and "secret_hash" not in t for t in listed["results"])
    assert api.delete(f"/cms/tokens/{body['id']}").status_code == 204
    assert Event.objects.get(type="partner.token.revoked").payload["token_id"] == body["id"]
    assert api.delete(f"/cms/tokens/{body['id']}").status_code == 404
    new_token_api = type(api)()
    assert bearer(new_token_api, body["token"]).get("/cms/tokens").status_code == 401


def test_api_validation_errors_are_specific(api, issue):
    bearer(api, issue().secret)
    resp = api.post("/cms/tokens", {"name": "x", "scopes": ["launch/patient"]}, format="json")
    assert resp.status_code == 400
    assert resp.json()["errors"]["scopes"] == ["launch/patient: not available to API tokens (needs SMART on FHIR)."]
    resp = api.post("/cms/tokens", {"name": "x", "scopes": "cms.sdk.read"}, format="json")
    assert resp.status_code == 400 and "scopes" in resp.json()["errors"]
    resp = api.post("/cms/tokens", b"{not json", content_type="application/json")
    assert resp.status_code == 400 and resp.json()["code"] == "parse_error"


def test_bob_cannot_list_or_revoke_alices_tokens(api, issue, beta):
    alice_token = issue(name="acme-only").token
    bob_owner = beta.memberships.get(role="owner").user
    bob = issue(partner=beta, by=bob_owner)
    bearer(api, bob.secret)
    assert all(t["name"] != "acme-only" for t in api.get("/cms/tokens").json()["results"])
    assert api.delete(f"/cms/tokens/{alice_token.public_id}").status_code == 404
    alice_token.refresh_from_db()
    assert alice_token.revoked_at is None


def test_last_used_is_recorded_at_most_once_a_minute(api, issue):
    issued = issue()
    bearer(api, issued.secret).get("/cms/tokens")
    issued.token.refresh_from_db()
    first = issued.token.last_used_at
    assert first is not None
    api.get("/cms/tokens")
    issued.token.refresh_from_db()
    assert issued.token.last_used_at == first


def test_partner_login_returns_a_role_scoped_management_token(api, alice, acme):
    resp = api.post("/cms/partner-login", {"email": "Alice@acme-health.example", "password": PASSWORD}, format="json")
    assert resp.status_code == 200
    body = resp.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900 and body["partner_gpid"] == acme.gpid
    assert body["scope"] == "cms.partner.read cms.partner.write"
    bearer(api, body["access_token"])
    created = api.post("/cms/tokens", {"name": "from-login", "scopes": ["cms.sdk.read"]}, format="json")
    assert created.status_code == 201
    assert [t["name"] for t in api.get("/cms/tokens").json()["results"]] == ["from-login"]  # sessions not listed


def test_viewer_login_is_read_only(api, viewer):
    body = api.post("/cms/partner-login", {"email": viewer.email, "password": PASSWORD}, format="json").json()
    assert body["scope"] == "cms.partner.read"
    resp = bearer(api, body["access_token"]).post(
        "/cms/tokens", {"name": "x", "scopes": ["cms.sdk.read"]}, format="json"
    )
    assert resp.status_code == 403


def test_partner_login_failures_are_uniform_then_locked(api, alice, acme):
    wrong_password = api.post("/cms/partner-login", {"email": alice.email, "password": "nope"}, format="json")
    unknown = api.post("/cms/partner-login", {"email": "nobody@example.org", "password": "nope"}, format="json")
    assert wrong_password.status_code == unknown.status_code == 401
    assert (
        wrong_password.json()
        == unknown.json()
        == {"detail": "Wrong email or password.", "code": "authentication_failed"}
    )
    for _ in range(4):
        api.post("/cms/partner-login", {"email": alice.email, "password": "nope"}, format="json")
    locked = api.post("/cms/partner-login", {"email": alice.email, "password": PASSWORD}, format="json")
    assert locked.status_code == 429 and "Retry-After" in locked


def test_partner_login_requires_totp_when_enabled(api, alice, acme):
    import time

    secret = generate_totp_secret()
    TOTP.activate(alice, secret)
    resp = api.post("/cms/partner-login", {"email": alice.email, "password": PASSWORD}, format="json")
    assert resp.status_code == 401 and resp.json()["code"] == "mfa_required"
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    resp = api.post("/cms/partner-login", {"email": alice.email, "password": PASSWORD, "otp": code}, format="json")
    assert resp.status_code == 200


@pytest.mark.parametrize("path", ["/cms/tokens", "/cms/tokens/tok_x"])
def test_anonymous_gets_401_never_data(api, db, path):
    resp = api.get(path) if path == "/cms/tokens" else api.delete(path)
    assert resp.status_code == 401
