"""The token endpoint authenticates clients from cached rows (tokens.auth.client_row):
every change to a client or its partner must take effect on the very next request."""

import base64

import pytest
from django.core.cache import cache
from oauth2_provider.models import AccessToken, RefreshToken
from oauth2_provider.signals import app_authorized

from partners.models import Partner
from tests.conftest import bearer
from tokens import services
from tokens.auth import client_cache_key, token_cache_key
from tokens.models import ApiToken, OAuthClient


@pytest.fixture
def register(acme):
    owner = acme.memberships.get(role="owner").user

    def make(scopes=("cms.partner.read", "cms.fhir.r4.read"), auth_method="client_secret_basic"):
        return services.create_oauth_client(
            partner=acme, name="export", scopes=list(scopes), auth_method=auth_method, by=owner
        )

    return make


def basic(client_id, secret):
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def token(client, issued, secret=None, **data):
    return client.post(
        "/oauth/token",
        {"grant_type": "client_credentials", **data},
        HTTP_AUTHORIZATION=basic(issued.client.client_id, secret or issued.secret),
    )


def warm(client, issued):
    """One successful request, after which the client's row is cached."""
    assert token(client, issued).status_code == 200
    assert cache.get(client_cache_key(issued.client.client_id)) is not None


def test_a_disabled_client_stops_getting_tokens_at_once(client, register):
    issued = register()
    warm(client, issued)
    services.disable_oauth_client(client=issued.client, by=None)
    resp = token(client, issued)
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_client"


def test_a_deleted_client_stops_getting_tokens_at_once(client, register):
    issued = register()
    warm(client, issued)
    OAuthClient.objects.filter(pk=issued.client.pk).get().delete()
    assert token(client, issued).status_code == 401


def test_rotation_keeps_the_old_secret_and_the_new_one_works_at_once(client, register):
    issued = register()
    warm(client, issued)
    new_secret = services.rotate_client_secret(client=issued.client, by=None)
    assert token(client, issued, secret=new_secret).status_code == 200
    assert token(client, issued).status_code == 200  # the overlap: 24 hours
    assert token(client, issued, secret="not-the-secret").status_code == 401


def test_narrowing_a_client_narrows_its_default_scopes_at_once(client, register):
    issued = register()
    warm(client, issued)
    services.update_oauth_client(client=issued.client, name="export", scopes=["cms.fhir.r4.read"], by=None)
    assert token(client, issued).json()["scope"] == "cms.fhir.r4.read"
    assert token(client, issued, scope="cms.partner.read").json()["error"] == "invalid_scope"


def test_narrowing_the_allowance_refuses_the_removed_scopes_at_once(client, register, acme):
    issued = register()
    warm(client, issued)
    acme.allowed_categories = ["fhir-platform"]
    acme.save()
    assert token(client, issued, scope="cms.partner.read").json()["error"] == "invalid_scope"
    assert token(client, issued, scope="cms.fhir.r4.read").status_code == 200


def test_a_rejected_partner_stops_getting_tokens_at_once(client, register, acme):
    issued = register()
    warm(client, issued)
    acme.status = Partner.Status.REJECTED
    acme.save()
    assert token(client, issued).status_code == 401


def test_a_cached_client_still_authenticates_only_by_its_registered_method(client, register):
    issued = register()
    warm(client, issued)
    resp = client.post(
        "/oauth/token",
        {"grant_type": "client_credentials", "client_id": issued.client.client_id, "client_secret": issued.secret},
    )
    assert resp.status_code == 401


def test_a_cached_resource_server_still_cannot_get_tokens(client, register):
    issued = register()
    warm(client, issued)
    OAuthClient.objects.get(pk=issued.client.pk).save()  # drops the row, as any client save does
    OAuthClient.objects.filter(pk=issued.client.pk).update(is_resource_server=True)
    token(client, issued)  # caches the row that says so
    resp = token(client, issued)
    assert resp.status_code in (400, 401) and resp.json()["error"] == "unauthorized_client"


@pytest.mark.parametrize("client_id", ["no-such-client", "nul\x00byte", "x" * 5000, "späce and ünicode"])
def test_unknown_and_odd_client_ids_are_invalid_client(db, client, client_id):
    resp = client.post(
        "/oauth/token", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic(client_id, "secret")
    )
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_client"


def test_client_credentials_issue_one_access_token_and_no_refresh_token(client, register):
    issued = register()
    warm(client, issued)
    body = token(client, issued).json()
    assert "refresh_token" not in body
    assert AccessToken.objects.filter(application=issued.client).count() == 2
    assert not RefreshToken.objects.exists()
    check = bearer(client_api(), body["access_token"]).get("/cms/tokens")
    assert check.status_code in (200, 403)  # authenticated: only scopes decide


def client_api():
    from rest_framework.test import APIClient

    return APIClient()


def test_app_authorized_is_still_sent_to_listeners(client, register):
    issued = register()
    seen = []

    def listener(sender, request, token, **kwargs):
        seen.append(token)

    app_authorized.connect(listener)
    try:
        body = token(client, issued).json()
    finally:
        app_authorized.disconnect(listener)
    assert [t.application_id for t in seen] == [issued.client.pk]
    assert seen[0].scope == body["scope"]


def test_deleting_an_api_token_stops_it_at_once(api, issue):
    issued = issue()
    bearer(api, issued.secret)
    assert api.get("/cms/tokens").status_code == 200
    assert cache.get(token_cache_key(issued.token.secret_hash)) is not None
    ApiToken.objects.filter(pk=issued.token.pk).get().delete()
    assert api.get("/cms/tokens").status_code == 401


def test_a_partner_save_drops_its_cached_credentials(client, register, acme, api, issue):
    issued_client, issued_token = register(), issue()
    warm(client, issued_client)
    assert bearer(api, issued_token.secret).get("/cms/tokens").status_code == 200
    acme.save()
    assert cache.get(client_cache_key(issued_client.client.client_id)) is None
    assert cache.get(token_cache_key(issued_token.token.secret_hash)) is None
