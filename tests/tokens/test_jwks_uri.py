"""private_key_jwt with keys published at a jwks_uri (RFC 7591): fetched through the SSRF
guard from a real HTTP server on 127.0.0.1, cached, refetched when the client rotates."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT

from tests.conftest import bearer
from tests.factories import PASSWORD
from tests.tokens.test_private_key_jwt import assertion, keypair, public_set
from tokens import jwks_remote
from tokens.models import OAuthClient


class KeyServer:
    def __init__(self) -> None:
        self.body = b"{}"
        self.status = 200
        self.hits = 0
        self.url = ""

    def publish(self, *keys, raw: bytes | None = None, status: int = 200) -> None:
        self.body = raw if raw is not None else json.dumps(public_set(*keys)).encode()
        self.status = status


@pytest.fixture
def keyserver() -> Iterator[KeyServer]:
    state = KeyServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.hits += 1
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(state.body)))
            self.end_headers()
            self.wfile.write(state.body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def manager(api, alice, acme):
    body = api.post("/cms/partner-login", {"email": alice.email, "password": PASSWORD}, format="json").json()
    return bearer(api, body["access_token"])


def register(manager, **extra):
    body = {
        "client_name": "keys by url",
        "scope": "cms.sdk.read",
        "token_endpoint_auth_method": "private_key_jwt",
        **extra,
    }
    return manager.post("/cms/oauth/register", body, format="json")


def token_request(client, key, client_id):
    return client.post(
        "/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion(key, client_id),
        },
    )


def test_registering_a_jwks_uri_and_getting_tokens(manager, keyserver, client):
    key = keypair()
    keyserver.publish(key)
    resp = register(manager, jwks_uri=keyserver.url)
    assert resp.status_code == 201, resp.json()
    body = resp.json()
    assert body["jwks_uri"] == keyserver.url and "client_secret" not in body
    issued = token_request(client, key, body["client_id"])
    assert issued.status_code == 200 and issued.json()["scope"] == "cms.sdk.read"
    hits = keyserver.hits
    assert token_request(client, key, body["client_id"]).status_code == 200
    assert keyserver.hits == hits  # cached, not fetched per request


def test_a_rotated_key_is_picked_up_without_waiting_for_the_cache(manager, keyserver, client, monkeypatch):
    old, new = keypair(), keypair("EC")
    keyserver.publish(old)
    client_id = register(manager, jwks_uri=keyserver.url).json()["client_id"]
    assert token_request(client, old, client_id).status_code == 200
    keyserver.publish(new)
    monkeypatch.setattr(jwks_remote, "REFRESH_AFTER", 0)  # as if the cached keys were a minute old
    assert token_request(client, new, client_id).status_code == 200
    assert token_request(client, old, client_id).json() == {"error": "invalid_client"}


@pytest.mark.parametrize(
    ("publish", "message"),
    [
        ({"raw": b"not json"}, "did not return JSON"),
        ({"raw": b"{}", "status": 404}, "answered HTTP 404"),
        ({"raw": b'{"keys": []}'}, "JWK Set"),
    ],
)
def test_a_bad_jwks_uri_is_refused_at_registration(manager, keyserver, publish, message):
    keyserver.publish(**publish)
    resp = register(manager, jwks_uri=keyserver.url)
    assert resp.status_code == 400
    assert resp.json()["error"] == "invalid_client_metadata" and message in resp.json()["error_description"]
    assert not OAuthClient.objects.exists()


def test_private_keys_at_the_uri_are_refused(manager, keyserver):
    key = keypair()
    keyserver.publish(raw=json.dumps({"keys": [json.loads(key.export_private())]}).encode())
    resp = register(manager, jwks_uri=keyserver.url)
    assert resp.status_code == 400 and "private key material" in resp.json()["error_description"]


def test_blocked_addresses_and_conflicting_keys_are_refused(manager, keyserver, settings):
    resp = register(manager, jwks_uri="https://169.254.169.254/latest/meta-data/jwks")
    assert resp.status_code == 400 and "link-local" in resp.json()["error_description"]
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    resp = register(manager, jwks_uri=keyserver.url)
    assert resp.status_code == 400 and "loopback" in resp.json()["error_description"]
    resp = register(manager, jwks_uri="http://93.184.215.14/jwks.json")
    assert resp.status_code == 400 and "must use https://" in resp.json()["error_description"]
    key = keypair()
    resp = register(manager, jwks_uri="https://93.184.215.14/jwks.json", jwks=public_set(key))
    assert resp.status_code == 400 and "not both" in resp.json()["error_description"]


def test_unreachable_keys_at_token_time_are_invalid_client_not_500(manager, keyserver, client):
    key = keypair()
    keyserver.publish(key)
    client_id = register(manager, jwks_uri=keyserver.url).json()["client_id"]
    from django.core.cache import cache

    cache.clear()  # keys no longer cached ...
    keyserver.publish(raw=b"{}", status=503)  # ... and the server is down
    resp = token_request(client, key, client_id)
    assert resp.status_code == 401 and resp.json() == {"error": "invalid_client"}


@pytest.mark.django_db(transaction=True)
def test_an_external_authlib_client_with_keys_at_a_uri(live_server, manager, keyserver, settings):
    settings.SITE_URL = live_server.url
    key = keypair()
    keyserver.publish(key)
    client_id = register(manager, jwks_uri=keyserver.url).json()["client_id"]
    token_url = f"{live_server.url}/oauth/token"
    session = OAuth2Session(
        client_id, key.export_to_pem(private_key=True, password=None), token_endpoint_auth_method="private_key_jwt"
    )
    session.register_client_auth_method(PrivateKeyJWT(token_url, alg="RS384", claims={"exp": int(time.time()) + 120}))
    token = session.fetch_token(token_url, grant_type="client_credentials")
    assert token["token_type"] == "Bearer" and token["scope"] == "cms.sdk.read"


def test_the_dashboard_registers_a_client_with_a_jwks_uri(alice_client, keyserver):
    keyserver.publish(keypair())
    form = {"name": "rotating keys", "scopes": ["cms.sdk.read"], "auth_method": "private_key_jwt"}
    resp = alice_client.post("/dashboard/apps/", {**form, "jwks_uri": "https://10.0.0.3/jwks.json"})
    assert resp.status_code == 200 and "a private address (10.0.0.0/8)" in resp.content.decode()
    resp = alice_client.post("/dashboard/apps/", {**form, "jwks_uri": keyserver.url})
    assert resp.status_code == 302
    assert OAuthClient.objects.get(name="rotating keys").jwks_uri == keyserver.url


def test_bad_assertions_cannot_make_us_fetch_keys_over_and_over(manager, keyserver, client, monkeypatch):
    monkeypatch.setattr(jwks_remote, "REFRESH_AFTER", 0)  # every failed signature would ask for fresh keys
    key, stranger = keypair(), keypair()
    keyserver.publish(key)
    client_id = register(manager, jwks_uri=keyserver.url).json()["client_id"]
    assert token_request(client, key, client_id).status_code == 200
    before = keyserver.hits
    for _ in range(10):  # signed with a key the client never published
        assert token_request(client, stranger, client_id).status_code == 401
    assert keyserver.hits - before <= 1
