"""Regression tests for the credential defects found in review (issue 11 §3): each one
failed on the code before its fix."""

from __future__ import annotations

import base64
import threading

import pytest
from django.core.cache import cache, caches
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from oauth2_provider.models import AccessToken

from partners import services as partner_services
from partners.models import Partner
from tests.conftest import bearer
from tests.factories import PASSWORD
from tokens import services
from tokens.auth import InvalidToken, resolve
from tokens.models import ApiToken, OAuthClient


def basic(client_id, secret):
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def client_token(client, client_id, secret, **data):
    return client.post(
        "/oauth/token", {"grant_type": "client_credentials", **data}, HTTP_AUTHORIZATION=basic(client_id, secret)
    )


@pytest.fixture
def owner(acme):
    return acme.memberships.get(role="owner").user


# 1. RFC 7592 updates could widen a client beyond what registered it.
def test_a_leaked_write_token_cannot_widen_a_client_it_registered(api, issue, acme):
    leaked = issue(scopes=["cms.partner.write"])
    bearer(api, leaked.secret)
    resp = api.post(
        "/cms/oauth/register", {"client_name": "x", "scope": "cms.fhir.r4.read cms.sdk.read"}, format="json"
    )
    assert resp.status_code == 403 and "cannot grant scopes it does not hold" in resp.json()["error_description"]
    registered = api.post("/cms/oauth/register", {"client_name": "x", "scope": "cms.partner.write"}, format="json")
    assert registered.status_code == 201
    body = registered.json()
    manage = type(api)()
    manage.credentials(HTTP_AUTHORIZATION=f"Bearer {body['registration_access_token']}")
    widened = manage.put(
        f"/cms/oauth/register/{body['client_id']}",
        {"client_name": "x", "scope": "cms.partner.write cms.partner.read cms.fhir.r4.read cms.sdk.read"},
        format="json",
    )
    assert widened.status_code == 403
    assert widened.json()["error"] == "invalid_client_metadata"
    assert OAuthClient.objects.get(client_id=body["client_id"]).scopes == ["cms.partner.write"]


def test_an_rfc7592_update_may_narrow(api, issue):
    bearer(api, issue(scopes=["cms.partner.write", "cms.sdk.read"]).secret)
    body = api.post(
        "/cms/oauth/register", {"client_name": "x", "scope": "cms.partner.write cms.sdk.read"}, format="json"
    ).json()
    manage = type(api)()
    manage.credentials(HTTP_AUTHORIZATION=f"Bearer {body['registration_access_token']}")
    resp = manage.put(f"/cms/oauth/register/{body['client_id']}", {"scope": "cms.sdk.read"}, format="json")
    assert resp.status_code == 200 and resp.json()["scope"] == "cms.sdk.read"


# 5. Introspection answered scopes the partner's allowance no longer covers.
def test_introspection_answers_what_the_bearer_layer_allows(client, issue, acme, owner):
    gateway = services.create_oauth_client(partner=acme, name="gw", scopes=["cms.sdk.read"], by=owner)
    OAuthClient.objects.filter(pk=gateway.client.pk).update(is_resource_server=True)
    token = issue(scopes=["cms.partner.read", "cms.fhir.r4.read"]).secret
    acme.allowed_categories = [c for c in acme.allowed_categories if c != "fhir-platform"]
    acme.save()  # the allowance narrowed by any path: the scope must not be reported active
    body = client.post(
        "/oauth/introspect", {"token": token}, HTTP_AUTHORIZATION=basic(gateway.client.client_id, gateway.secret)
    ).json()
    assert body["active"] is True and body["scope"] == "cms.partner.read"


# 6. Changing {A,B} to {B,C} kept tokens carrying A.
def test_removing_a_scope_while_adding_another_kills_old_tokens(client, acme, owner, staff):
    issued = services.create_oauth_client(partner=acme, name="c", scopes=["cms.fhir.r4.read", "cms.sdk.read"], by=owner)
    old = client_token(client, issued.client.client_id, issued.secret).json()["access_token"]
    services.update_oauth_client(client=issued.client, scopes=["cms.sdk.read", "cms.pipeline.read"], by=staff)
    assert not AccessToken.objects.filter(token_checksum__isnull=False, application=issued.client).exists()
    with pytest.raises(InvalidToken):
        resolve(old)


def test_a_token_resolves_only_to_scopes_its_client_still_has(client, acme, owner):
    issued = services.create_oauth_client(partner=acme, name="c", scopes=["cms.fhir.r4.read", "cms.sdk.read"], by=owner)
    raw = client_token(client, issued.client.client_id, issued.secret).json()["access_token"]
    OAuthClient.objects.filter(pk=issued.client.pk).update(scopes=["cms.sdk.read"])  # however it changed
    assert resolve(raw).scopes == frozenset({"cms.sdk.read"})


# 7. Deactivated users kept working credentials and could mint new ones.
def test_a_deactivated_member_loses_every_credential_and_cannot_mint(client, api, issue, acme, owner):
    api_token = issue().secret
    management = api.post("/cms/partner-login", {"email": owner.email, "password": PASSWORD}, format="json").json()
    issued = services.create_oauth_client(partner=acme, name="c", scopes=["cms.sdk.read"], by=owner)
    owner.is_active = False
    owner.save()
    for secret in (api_token, management["access_token"]):
        assert bearer(type(api)(), secret).get("/cms/tokens").status_code == 401
    assert client_token(client, issued.client.client_id, issued.secret).status_code == 401
    with pytest.raises(PermissionDenied):
        services.create_api_token(
            partner=acme, name="x", scopes=["cms.sdk.read"], environment="sandbox", expires_in_days=1, by=owner
        )
    assert set(ApiToken.objects.values_list("revoked_reason", flat=True)) == {"admin_action"}


def test_an_account_switched_off_without_signals_is_refused_too(api, issue, owner):
    secret = issue().secret
    bearer(api, secret).get("/cms/tokens")  # cached
    type(owner).objects.filter(pk=owner.pk).update(is_active=False)
    cache.clear()
    assert bearer(type(api)(), secret).get("/cms/tokens").status_code == 401


# 8. A request that read the row before a revoke could re-cache it afterwards.
@pytest.mark.django_db(transaction=True)
def test_revocation_holds_from_commit_even_against_a_slow_reader(issue, monkeypatch):
    issued = issue()
    secret = issued.token.secret_hash
    reader_read_db, revoked = threading.Event(), threading.Event()
    backend = type(caches["default"])  # each thread has its own instance of it
    real_set = backend.set

    def slow_set(self, key, value, *args, **kwargs):
        # The reader has read the database row; its cache write waits until the revoke committed.
        if key == f"bearer:{secret}" and threading.current_thread().name == "reader":
            reader_read_db.set()
            revoked.wait(10)
        return real_set(self, key, value, *args, **kwargs)

    monkeypatch.setattr(backend, "set", slow_set)
    errors: list[BaseException] = []

    def read() -> None:
        try:
            resolve(issued.secret)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    reader = threading.Thread(target=read, name="reader")
    reader.start()
    assert reader_read_db.wait(10)
    services.revoke_api_token(token=issued.token, by=None, reason="compromised")
    revoked.set()
    reader.join(10)
    assert not errors  # the slow request itself started before the revoke
    with pytest.raises(InvalidToken, match="revoked"):
        resolve(issued.secret)


# 9. HEAD skipped required_scopes.
def test_head_needs_what_get_needs(api, issue):
    bearer(api, issue(scopes=["cms.sdk.read"]).secret)
    assert api.head("/cms/tokens").status_code == 403
    assert api.options("/cms/tokens").status_code == 200


# 11. A compromised client secret could not be stopped at once.
def test_rotation_can_revoke_the_old_secret_now(client, acme, owner):
    issued = services.create_oauth_client(partner=acme, name="c", scopes=["cms.sdk.read"], by=owner)
    old_token = client_token(client, issued.client.client_id, issued.secret).json()["access_token"]
    new = services.rotate_client_secret(client=issued.client, by=owner, revoke_previous=True)
    assert client_token(client, issued.client.client_id, issued.secret).status_code == 401
    assert client_token(client, issued.client.client_id, new).status_code == 200
    with pytest.raises(InvalidToken):
        resolve(old_token)


def test_dashboard_rotation_offers_revoking_the_old_secret(alice_client, acme, owner, client):
    issued = services.create_oauth_client(partner=acme, name="c", scopes=["cms.sdk.read"], by=owner)
    page = alice_client.get(f"/dashboard/apps/{issued.client.client_id}/rotate/").content.decode()
    assert 'name="revoke_previous"' in page
    resp = alice_client.post(f"/dashboard/apps/{issued.client.client_id}/rotate/", {"revoke_previous": "1"})
    assert resp.status_code == 302
    assert "stopped working now" in alice_client.get(resp["Location"]).content.decode()
    assert client_token(client, issued.client.client_id, issued.secret).status_code == 401


# Authorization lives in the services, not only the views.
def test_services_refuse_roles_that_may_not_act(issue, viewer, bob, acme):
    token = issue().token
    for who in (viewer, bob):
        with pytest.raises(PermissionDenied):
            services.revoke_api_token(token=token, by=who, reason="user_request")
    client = services.create_oauth_client(
        partner=acme, name="c", scopes=["cms.sdk.read"], by=acme.memberships.get(role="owner").user
    ).client
    for call in (
        lambda: services.disable_oauth_client(client=client, by=viewer),
        lambda: services.rotate_client_secret(client=client, by=viewer),
        lambda: services.update_oauth_client(client=client, scopes=["cms.sdk.read"], by=bob),
    ):
        with pytest.raises(PermissionDenied):
            call()
    token.refresh_from_db()
    client.refresh_from_db()
    assert token.revoked_at is None and client.disabled_at is None


def test_narrowing_the_allowance_narrows_and_revokes_live_credentials(issue, acme, staff, owner):
    mixed = issue(scopes=["cms.partner.read", "cms.fhir.r4.read"]).token
    only_fhir = issue(scopes=["cms.fhir.r4.read"]).token
    client = services.create_oauth_client(
        partner=acme, name="c", scopes=["cms.fhir.r4.read", "cms.sdk.read"], by=owner
    ).client
    kept = [c for c in acme.allowed_categories if c != "fhir-platform"]
    partner_services.update_partner(partner=acme, by=staff, changes={"allowed_categories": kept})
    mixed.refresh_from_db()
    only_fhir.refresh_from_db()
    client.refresh_from_db()
    assert mixed.scopes == ["cms.partner.read"] and mixed.revoked_at is None
    assert only_fhir.revoked_at is not None and only_fhir.revoked_reason == "admin_action"
    assert client.scopes == ["cms.sdk.read"]
    assert set(Partner.objects.get(pk=acme.pk).allowed_categories) == set(kept)
    assert timezone.now() >= only_fhir.revoked_at


# Found in the second review.
def test_a_declined_partner_cannot_sign_in_to_the_api_or_use_old_tokens(api, issue, acme, staff):
    token = issue().secret
    partner_services.review_application(partner=acme, decision="rejected", by=staff, message="No.")
    resp = api.post("/cms/partner-login", {"email": "alice@acme-health.example", "password": PASSWORD}, format="json")
    assert resp.status_code == 403 and resp.json()["code"] == "sandbox_closed"
    assert bearer(type(api)(), token).get("/cms/tokens").status_code == 401


def test_a_declined_partner_sees_why_on_the_token_form(alice_client, acme):
    Partner.objects.filter(pk=acme.pk).update(status=Partner.Status.REJECTED)
    resp = alice_client.post(
        "/dashboard/tokens/", {"name": "x", "scopes": ["cms.partner.read"], "environment": "sandbox", "expiry": "30"}
    )
    assert resp.status_code == 200 and "application was declined" in resp.content.decode()
    assert not ApiToken.objects.api_keys().exists()


def test_introspection_takes_either_secret_method_from_a_gateway(client, acme, owner, issue):
    gateway = services.create_oauth_client(partner=acme, name="gw", scopes=["cms.sdk.read"], by=owner)
    OAuthClient.objects.filter(pk=gateway.client.pk).update(is_resource_server=True)
    body = client.post(
        "/oauth/introspect",
        {"token": issue().secret, "client_id": gateway.client.client_id, "client_secret": gateway.secret},
    )
    assert body.status_code == 200 and body.json()["active"] is True


def test_a_secret_waits_for_its_own_page(alice_client, acme):
    alice_client.post(
        "/dashboard/tokens/", {"name": "x", "scopes": ["cms.partner.read"], "environment": "sandbox", "expiry": "30"}
    )
    assert 'id="secret-once"' not in alice_client.get("/dashboard/apps/").content.decode()
    assert 'id="secret-once"' in alice_client.get("/dashboard/tokens/").content.decode()
    assert 'id="secret-once"' not in alice_client.get("/dashboard/tokens/").content.decode()
