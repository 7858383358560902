"""private_key_jwt (RFC 7523): real keys, real signatures, an external Authlib client."""

import json
import time
import uuid

import pytest
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from django.core.exceptions import ValidationError
from jwcrypto import jwk, jwt

from tokens import services

TOKEN_URL = "http://127.0.0.1:8000/oauth/token"  # SITE_URL + /oauth/token: the required aud


def keypair(kind="RSA"):
    key = jwk.JWK.generate(kty="RSA", size=2048) if kind == "RSA" else jwk.JWK.generate(kty="EC", crv="P-384")
    key.update(kid=uuid.uuid4().hex[:8])
    return key


def public_set(*keys):
    return {"keys": [json.loads(k.export_public()) for k in keys]}


@pytest.fixture
def jwt_client(acme):
    owner = acme.memberships.get(role="owner").user

    def make(key):
        return services.create_oauth_client(
            partner=acme,
            name="jwt",
            scopes=["cms.sdk.read"],
            auth_method="private_key_jwt",
            jwks=public_set(key),
            by=owner,
        ).client

    return make


def assertion(key, client_id, *, aud=TOKEN_URL, exp_in=120, jti=None, alg=None):
    now = int(time.time())
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": aud,
        "iat": now,
        "exp": now + exp_in,
        "jti": jti or uuid.uuid4().hex,
    }
    alg = alg or ("RS384" if key.get("kty") == "RSA" else "ES384")
    token = jwt.JWT(header={"alg": alg, "kid": key.get("kid")}, claims=claims)
    token.make_signed_token(key)
    return token.serialize()


def post(client, signed):
    return client.post(
        "/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": signed,
        },
    )


@pytest.mark.parametrize("kind", ["RSA", "EC"])
def test_signed_assertion_obtains_a_token(client, jwt_client, kind):
    key = keypair(kind)
    registered = jwt_client(key)
    resp = post(client, assertion(key, registered.client_id))
    assert resp.status_code == 200 and resp.json()["scope"] == "cms.sdk.read"
    assert registered.client_secret == ""


def test_replayed_jti_is_refused(client, jwt_client):
    key = keypair()
    registered = jwt_client(key)
    signed = assertion(key, registered.client_id, jti="same-jti")
    assert post(client, signed).status_code == 200
    assert post(client, signed).json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    "bad",
    [
        {"aud": "https://elsewhere.example/token"},
        {"exp_in": 3600},
        {"exp_in": -10},
    ],
)
def test_wrong_audience_or_lifetime_is_invalid_client(client, jwt_client, bad):
    key = keypair()
    registered = jwt_client(key)
    assert post(client, assertion(key, registered.client_id, **bad)).json()["error"] == "invalid_client"


def test_a_key_that_was_not_registered_is_refused(client, jwt_client):
    registered = jwt_client(keypair())
    assert post(client, assertion(keypair(), registered.client_id)).json()["error"] == "invalid_client"


def test_hs256_and_secret_auth_are_refused_for_jwt_clients(client, jwt_client):
    key = keypair()
    registered = jwt_client(key)
    symmetric = jwk.JWK.generate(kty="oct", size=256)
    assert post(client, assertion(symmetric, registered.client_id, alg="HS256")).json()["error"] == "invalid_client"
    resp = client.post(
        "/oauth/token", {"grant_type": "client_credentials", "client_id": registered.client_id, "client_secret": ""}
    )
    assert resp.status_code == 401


@pytest.mark.parametrize(
    ("jwks", "message"),
    [
        ("not json", "jwks is not valid JSON"),
        ({"keys": []}, "at least one key"),
        ({"keys": [json.loads(jwk.JWK.generate(kty="RSA", size=2048).export_private())]}, "private key material"),
        ({"keys": [json.loads(jwk.JWK.generate(kty="RSA", size=1024).export_public())]}, "at least 2048 bits"),
        ({"keys": [json.loads(jwk.JWK.generate(kty="EC", crv="P-256").export_public())]}, "must use P-384"),
    ],
)
def test_bad_jwks_is_a_clear_error(acme, jwks, message):
    owner = acme.memberships.get(role="owner").user
    with pytest.raises(ValidationError, match=message):
        services.create_oauth_client(
            partner=acme, name="jwt", scopes=["cms.sdk.read"], auth_method="private_key_jwt", jwks=jwks, by=owner
        )


@pytest.mark.django_db(transaction=True)
def test_an_external_authlib_client_uses_private_key_jwt(live_server, jwt_client, settings):
    settings.SITE_URL = live_server.url
    key = keypair()
    registered = jwt_client(key)
    token_url = f"{live_server.url}/oauth/token"
    session = OAuth2Session(
        registered.client_id,
        key.export_to_pem(private_key=True, password=None),
        token_endpoint_auth_method="private_key_jwt",
    )
    # Authlib signs assertions valid for an hour by default; this server accepts at most 5 minutes.
    session.register_client_auth_method(PrivateKeyJWT(token_url, alg="RS384", claims={"exp": int(time.time()) + 120}))
    token = session.fetch_token(token_url, grant_type="client_credentials")
    assert token["token_type"] == "Bearer" and token["scope"] == "cms.sdk.read"
