import base64
import time

from django.test import Client

from tokens import services
from tokens.models import OAuthClient


def basic(client_id, secret):
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def make(acme, **extra):
    owner = acme.memberships.get(role="owner").user
    issued = services.create_oauth_client(partner=acme, name="c", scopes=["cms.sdk.read"], by=owner)
    if extra:
        OAuthClient.objects.filter(pk=issued.client.pk).update(**extra)
    return issued


def access_token(client, issued):
    return client.post(
        "/oauth/token",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic(issued.client.client_id, issued.secret),
    ).json()["access_token"]


def test_resource_server_introspects_oauth_and_api_tokens(client, acme, issue):
    gateway = make(acme, is_resource_server=True)
    app = make(acme)
    access = access_token(client, app)
    auth = basic(gateway.client.client_id, gateway.secret)
    body = client.post("/oauth/introspect", {"token": access}, HTTP_AUTHORIZATION=auth).json()
    assert body["active"] is True and body["scope"] == "cms.sdk.read"
    assert body["client_id"] == app.client.client_id and body["exp"] > time.time()
    api = client.post("/oauth/introspect/", {"token": issue().secret}, HTTP_AUTHORIZATION=auth).json()
    assert api["active"] is True and api["sub"] == acme.gpid
    assert client.post("/oauth/introspect", {"token": "unknown"}, HTTP_AUTHORIZATION=auth).json() == {"active": False}


def test_ordinary_and_public_clients_cannot_introspect(client, acme):
    app = make(acme)
    access = access_token(client, app)
    resp = client.post(
        "/oauth/introspect", {"token": access}, HTTP_AUTHORIZATION=basic(app.client.client_id, app.secret)
    )
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_client"
    public = make(acme, client_type="public", client_secret="", is_resource_server=True)
    resp = client.post(
        "/oauth/introspect", {"token": access, "client_id": public.client.client_id, "client_secret": ""}
    )
    assert resp.status_code == 401
    assert client.post("/oauth/introspect", {"token": access}).status_code == 401


def test_resource_servers_cannot_obtain_tokens(client, acme):
    gateway = make(acme, is_resource_server=True)
    resp = client.post(
        "/oauth/token",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic(gateway.client.client_id, gateway.secret),
    )
    assert resp.status_code in (400, 401) and resp.json()["error"] == "unauthorized_client"


def test_rotation_keeps_the_old_secret_for_24_hours(client, acme, monkeypatch):
    issued = make(acme)
    new_secret = services.rotate_client_secret(client=issued.client, by=None)
    for secret in (issued.secret, new_secret):
        resp = client.post(
            "/oauth/token",
            {"grant_type": "client_credentials"},
            HTTP_AUTHORIZATION=basic(issued.client.client_id, secret),
        )
        assert resp.status_code == 200
    later = time.time() + 24 * 3600 + 5
    monkeypatch.setattr("tokens.oauth.time.time", lambda: later)
    old = client.post(
        "/oauth/token",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic(issued.client.client_id, issued.secret),
    )
    assert old.status_code == 401
    new = client.post(
        "/oauth/token",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic(issued.client.client_id, new_secret),
    )
    assert new.status_code == 200


def test_dashboard_rotation_shows_the_new_secret_once(alice_client, acme, bob_client):
    issued = make(acme)
    assert bob_client.post(f"/dashboard/apps/{issued.client.client_id}/rotate/").status_code == 404
    assert alice_client.get(f"/dashboard/apps/{issued.client.client_id}/rotate/").status_code == 200
    resp = alice_client.post(f"/dashboard/apps/{issued.client.client_id}/rotate/")
    assert resp.status_code == 302
    html = alice_client.get("/dashboard/apps/").content.decode()
    assert 'id="secret-once"' in html and "keeps working for 24 hours" in html


def test_bob_cannot_use_introspection_for_alices_tokens_without_a_gateway(bob_client, acme, beta, client):
    app = make(acme)
    access = access_token(client, app)
    owner = beta.memberships.get(role="owner").user
    bob_app = services.create_oauth_client(partner=beta, name="b", scopes=["cms.sdk.read"], by=owner)
    resp = Client().post(
        "/oauth/introspect", {"token": access}, HTTP_AUTHORIZATION=basic(bob_app.client.client_id, bob_app.secret)
    )
    assert resp.status_code == 401
