from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.utils import timezone

from tests.conftest import bearer
from tests.contract import assert_documented, served_schema
from tests.factories import PASSWORD
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
    admin = issue(scopes=["cms.partner.read", "cms.partner.write", "cms.fhir.r4.read", "cms.pipeline.read"])
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


def test_listed_tokens_carry_every_field_the_schema_requires(api, issue):
    issue(name="never expires", days=None)
    used = issue(name="in use")
    bearer(api, used.secret).get("/cms/tokens")  # records last_used_at
    resp = api.get("/cms/tokens")
    schema = served_schema()
    required = schema.raw_schema["components"]["schemas"]["TokenOut"]["required"]
    assert {"id", "created_at", "expires_at", "last_used_at", "prefix", "scopes"} <= set(required)
    rows = resp.json()["results"]
    assert len(rows) == 2 and all(set(required) <= set(row) for row in rows)
    assert {row["expires_at"] is None for row in rows} == {True, False}
    assert_documented(resp, "GET", "/cms/tokens", schema)


def test_item_errors_of_list_fields_are_flat_messages(api, issue):
    bearer(api, issue().secret)
    resp = api.post("/cms/tokens", {"name": "x", "scopes": ["cms.sdk.read", 7, {}, ["x"]]}, format="json")
    assert resp.status_code == 400
    assert resp.json()["errors"] == {"scopes": ["item 2: Not a valid string.", "item 3: Not a valid string."]}
    assert_documented(resp, "POST", "/cms/tokens")


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


def test_a_token_cannot_mint_a_more_powerful_one(api, issue):
    narrow = issue(scopes=["cms.partner.write"])
    resp = bearer(api, narrow.secret).post("/cms/tokens", {"name": "x", "scopes": ["cms.fhir.r4.read"]}, format="json")
    assert resp.status_code == 403 and resp.json()["code"] == "scope_escalation"
    assert "cms.fhir.r4.read" in resp.json()["detail"]


def test_a_demoted_member_s_token_can_no_longer_manage(api, acme):
    from partners.models import Membership
    from tests.factories import UserFactory, add_member
    from tokens import services

    dev = UserFactory()
    membership = add_member(acme, dev, Membership.Role.DEVELOPER)
    theirs = services.create_api_token(
        partner=acme,
        name="dev",
        scopes=["cms.partner.read", "cms.partner.write"],
        environment="sandbox",
        expires_in_days=30,
        by=dev,
    )
    owners = services.create_api_token(
        partner=acme,
        name="owner",
        scopes=["cms.sdk.read"],
        environment="sandbox",
        expires_in_days=30,
        by=acme.memberships.get(role="owner").user,
    )
    membership.role = Membership.Role.VIEWER
    membership.save()
    resp = bearer(api, theirs.secret).delete(f"/cms/tokens/{owners.token.public_id}")
    assert resp.status_code == 403
    owners.token.refresh_from_db()
    assert owners.token.revoked_at is None


def test_narrowing_the_allowance_removes_scopes_from_existing_tokens(api, issue, acme):
    issued = issue(scopes=["cms.partner.read", "cms.fhir.r4.read"])
    acme.allowed_categories = ["partner-management"]
    acme.save()
    from tokens.auth import resolve

    assert resolve(issued.secret).scopes == frozenset({"cms.partner.read"})


def test_partner_login_ip_limit_is_not_reset_by_the_attackers_own_login(api, alice, acme, monkeypatch):
    from tests.factories import PartnerFactory, UserFactory
    from tokens import login

    monkeypatch.setattr(login, "ATTEMPTS_PER_IP", 6)
    attacker = UserFactory(email="mallory@evil.example")
    PartnerFactory(owner=attacker)
    statuses = []
    for n in range(8):
        email, password = (attacker.email, PASSWORD) if n % 3 == 2 else (f"victim{n}@example.org", "guess")
        statuses.append(
            api.post("/cms/partner-login", {"email": email, "password": password}, format="json").status_code
        )
    assert statuses[-1] == 429 and statuses.count(429) == 2


def test_partner_login_requires_a_verified_email_when_mandatory(api, alice, acme, settings):
    from allauth.account import app_settings
    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(user=alice).update(verified=False)
    monkey = app_settings.EmailVerificationMethod.MANDATORY
    settings.ACCOUNT_EMAIL_VERIFICATION = monkey
    resp = api.post("/cms/partner-login", {"email": alice.email, "password": PASSWORD}, format="json")
    assert resp.status_code == 403 and resp.json()["code"] == "email_not_verified"


def test_absurd_nesting_is_400_and_huge_bodies_are_413(api, db):
    deep = "[" * 50000 + "]" * 50000
    resp = api.post("/cms/partner-login", deep, content_type="application/json")
    assert resp.status_code == 400 and resp.json()["code"] == "parse_error"
    big = '{"email": "' + "a" * (2 * 1024 * 1024) + '"}'
    resp = api.post("/cms/partner-login", big, content_type="application/json")
    assert resp.status_code == 413 and resp.json()["code"] == "request_too_large"


def test_cached_tokens_still_stop_working_at_once_when_revoked(api, issue):
    from tokens import services

    issued = issue()
    bearer(api, issued.secret)
    assert api.get("/cms/tokens").status_code == 200  # now cached
    services.revoke_api_token(token=issued.token, by=None, reason="compromised")
    resp = api.get("/cms/tokens")
    assert resp.status_code == 401 and "revoked" in resp.json()["detail"]


def test_cached_tokens_follow_an_allowance_change_at_once(api, issue, acme):
    issued = issue(scopes=["cms.partner.read", "cms.fhir.r4.read"])
    bearer(api, issued.secret)
    assert api.get("/cms/tokens").status_code == 200
    acme.allowed_categories = ["fhir-platform"]
    acme.save()
    resp = api.get("/cms/tokens")
    assert resp.status_code == 403 and "cms.partner.read" in resp.json()["detail"]


def test_cached_tokens_expire_on_time(api, issue, monkeypatch):
    import time as real_time

    issued = issue(days=1)
    bearer(api, issued.secret)
    assert api.get("/cms/tokens").status_code == 200
    later = real_time.time() + 2 * 86400
    monkeypatch.setattr("tokens.auth.time.time", lambda: later)
    assert "expired" in api.get("/cms/tokens").json()["detail"]
