import base64

import pytest
from authlib.integrations.requests_client import OAuth2Session
from django.core.exceptions import ValidationError
from django.test import Client
from oauth2_provider.models import AccessToken

from tests.conftest import bearer
from tokens import services
from tokens.models import OAuthClient
from webhooks.models import Event


@pytest.fixture
def register(acme):
    owner = acme.memberships.get(role="owner").user

    def make(scopes=("cms.partner.read", "cms.fhir.r4.read", "cms.sdk.read"), auth_method="client_secret_basic"):
        return services.create_oauth_client(
            partner=acme, name="export", scopes=list(scopes), auth_method=auth_method, by=owner
        )

    return make


def basic(client_id, secret):
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def token_request(client, issued, **data):
    return client.post(
        "/oauth/token",
        {"grant_type": "client_credentials", **data},
        HTTP_AUTHORIZATION=basic(issued.client.client_id, issued.secret),
    )


def test_secret_is_stored_as_a_keyed_hash(register):
    issued = register()
    row = OAuthClient.objects.get(pk=issued.client.pk)
    assert row.client_secret.startswith("hmac$") and issued.secret not in row.client_secret


def test_client_credentials_with_basic_auth_and_scope_subset(client, register):
    issued = register()
    resp = token_request(client, issued, scope="cms.fhir.r4.read")
    assert resp.status_code == 200
    body = resp.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600 and body["scope"] == "cms.fhir.r4.read"
    default = token_request(client, issued).json()
    assert set(default["scope"].split()) == {"cms.partner.read", "cms.fhir.r4.read", "cms.sdk.read"}


def test_scope_escalation_is_invalid_scope(client, register):
    resp = token_request(client, register(), scope="cms.partner.write")
    assert resp.status_code == 400
    assert resp.json()["error"] == "invalid_scope"


def test_wrong_secret_and_unknown_client_are_invalid_client(client, register):
    issued = register()
    resp = client.post(
        "/oauth/token", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic(issued.client.client_id, "wrong")
    )
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_client"
    resp = client.post("/oauth/token", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic("nope", "x"))
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_client"


def test_trailing_slash_never_redirects(client, register):
    issued = register()
    resp = client.post(
        "/oauth/token/",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic(issued.client.client_id, issued.secret),
    )
    assert resp.status_code == 200


def test_access_token_works_as_bearer_with_its_scopes(client, register):
    from rest_framework.test import APIClient

    access = token_request(client, register(), scope="cms.partner.read").json()["access_token"]
    api = bearer(APIClient(), access)
    assert api.get("/cms/tokens").status_code == 200
    resp = api.post("/cms/tokens", {"name": "x", "scopes": ["cms.sdk.read"]}, format="json")
    assert resp.status_code == 403 and "cms.partner.write" in resp.json()["detail"]


def test_disabling_revokes_tokens_at_once_and_announces_it(client, register, acme):
    from rest_framework.test import APIClient

    issued = register()
    access = token_request(client, issued).json()["access_token"]
    services.disable_oauth_client(client=issued.client, by=None)
    assert not AccessToken.objects.filter(application=issued.client).exists()
    assert bearer(APIClient(), access).get("/cms/tokens").status_code == 401
    assert token_request(client, issued).status_code == 401
    payload = Event.objects.get(type="partner.token.revoked").payload
    assert payload["token_id"] == issued.client.client_id and payload["partner_gpid"] == acme.gpid


def test_revoke_endpoint_always_200(client, register):
    issued = register()
    access = token_request(client, issued).json()["access_token"]
    auth = basic(issued.client.client_id, issued.secret)
    assert client.post("/oauth/revoke", {"token": access}, HTTP_AUTHORIZATION=auth).status_code == 200
    assert client.post("/oauth/revoke", {"token": "never-issued"}, HTTP_AUTHORIZATION=auth).status_code == 200


def test_client_scopes_follow_the_catalog(register):
    with pytest.raises(ValidationError) as refused:
        register(scopes=["launch/patient", "cms.fhir.r4.read"])
    assert refused.value.message_dict["scopes"] == [
        "launch/patient: not available to OAuth 2.0 clients (needs SMART on FHIR)."
    ]


def test_dashboard_registers_shows_secret_once_and_disables(alice_client, acme):
    resp = alice_client.post(
        "/dashboard/apps/", {"name": "export", "scopes": ["cms.fhir.r4.read"], "auth_method": "client_secret_post"}
    )
    assert resp.status_code == 302
    html = alice_client.get("/dashboard/apps/").content.decode()
    client = OAuthClient.objects.get(name="export")
    assert client.client_id in html and 'id="secret-once"' in html
    assert 'id="secret-once"' not in alice_client.get("/dashboard/apps/").content.decode()
    alice_client.post(f"/dashboard/apps/{client.client_id}/disable/")
    client.refresh_from_db()
    assert client.disabled_at is not None


def test_outsiders_cannot_see_or_disable_clients(bob_client, viewer, register, beta):
    issued = register()
    assert issued.client.client_id not in bob_client.get("/dashboard/apps/").content.decode()
    assert bob_client.post(f"/dashboard/apps/{issued.client.client_id}/disable/").status_code == 404
    viewer_client = Client()
    viewer_client.force_login(viewer)
    assert viewer_client.post(f"/dashboard/apps/{issued.client.client_id}/disable/").status_code == 403
    issued.client.refresh_from_db()
    assert issued.client.disabled_at is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_an_external_authlib_client_obtains_a_token(live_server, register, method):
    issued = register(auth_method=method)
    session = OAuth2Session(
        issued.client.client_id, issued.secret, token_endpoint_auth_method=method, scope="cms.sdk.read"
    )
    token = session.fetch_token(f"{live_server.url}/oauth/token", grant_type="client_credentials")
    assert token["token_type"] == "Bearer" and token["scope"] == "cms.sdk.read"
    resp = session.get(f"{live_server.url}/cms/tokens")
    assert resp.status_code == 403  # authenticated; cms.sdk.read alone cannot list tokens
    assert resp.json()["code"] == "insufficient_scope"
