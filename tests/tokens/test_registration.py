"""RFC 7591 registration and RFC 7592 management at /cms/oauth/register."""

import base64

import pytest
from rest_framework.test import APIClient

from tests.conftest import bearer
from tests.contract import assert_documented, served_schema
from tests.factories import PASSWORD
from tokens.models import OAuthClient


@pytest.fixture
def manager(api, alice, acme):
    body = api.post("/cms/partner-login", {"email": alice.email, "password": PASSWORD}, format="json").json()
    return bearer(api, body["access_token"])


METADATA = {
    "client_name": "nightly export",
    "scope": "cms.fhir.r4.read cms.sdk.read",
    "grant_types": ["client_credentials"],
    "token_endpoint_auth_method": "client_secret_basic",
}


def test_register_returns_rfc7591_client_information(manager, client):
    resp = manager.post("/cms/oauth/register", METADATA, format="json")
    assert resp.status_code == 201
    body = resp.json()
    assert body["client_secret_expires_at"] == 0 and body["grant_types"] == ["client_credentials"]
    assert body["scope"] == "cms.fhir.r4.read cms.sdk.read"
    assert body["registration_client_uri"].endswith(f"/cms/oauth/register/{body['client_id']}")
    auth = base64.b64encode(f"{body['client_id']}:{body['client_secret']}".encode()).decode()
    token = client.post("/oauth/token", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {auth}")
    assert token.status_code == 200


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"client_name": ""}, "client_name is required"),
        ({"grant_types": ["authorization_code"]}, "grant_types must be"),
        ({"token_endpoint_auth_method": "none"}, "token_endpoint_auth_method must be one of"),
        ({"scope": "launch/patient"}, "not available to OAuth 2.0 clients"),
        ({"scope": ""}, "scope is required"),
    ],
)
def test_bad_metadata_is_invalid_client_metadata(manager, change, fragment):
    resp = manager.post("/cms/oauth/register", {**METADATA, **change}, format="json")
    assert resp.status_code == 400
    assert resp.json()["error"] == "invalid_client_metadata" and fragment in resp.json()["error_description"]
    assert not OAuthClient.objects.exists()


def test_redirect_uris_are_refused_and_non_objects_are_400(manager):
    resp = manager.post("/cms/oauth/register", {**METADATA, "redirect_uris": ["https://x.example/cb"]}, format="json")
    assert resp.json()["error"] == "invalid_redirect_uri"
    assert manager.post("/cms/oauth/register", ["not", "an", "object"], format="json").status_code == 400


def test_registration_needs_a_write_credential(api, db):
    assert api.post("/cms/oauth/register", METADATA, format="json").status_code == 401


def test_rfc7592_read_update_delete_with_the_registration_token(manager):
    body = manager.post("/cms/oauth/register", METADATA, format="json").json()
    uri = f"/cms/oauth/register/{body['client_id']}"
    rat = bearer(APIClient(), body["registration_access_token"])
    assert rat.get(uri).json()["client_name"] == "nightly export"
    updated = rat.put(
        uri,
        {**METADATA, "client_id": body["client_id"], "client_name": "export v2", "scope": "cms.sdk.read"},
        format="json",
    )
    assert updated.status_code == 200 and updated.json()["scope"] == "cms.sdk.read"
    assert rat.delete(uri).status_code == 204
    assert OAuthClient.objects.get(client_id=body["client_id"]).disabled_at is not None
    assert rat.get(uri).status_code == 401


def test_another_clients_or_wrong_registration_token_is_401(manager):
    first = manager.post("/cms/oauth/register", METADATA, format="json").json()
    second = manager.post("/cms/oauth/register", METADATA, format="json").json()
    other = bearer(APIClient(), second["registration_access_token"])
    resp = other.get(f"/cms/oauth/register/{first['client_id']}")
    assert resp.status_code == 401 and "WWW-Authenticate" in resp
    assert bearer(APIClient(), "nope").delete(f"/cms/oauth/register/{first['client_id']}").status_code == 401
    assert OAuthClient.objects.get(client_id=first["client_id"]).disabled_at is None


def test_register_a_private_key_jwt_client_with_inline_jwks(manager):
    import json

    from jwcrypto import jwk

    key = jwk.JWK.generate(kty="EC", crv="P-384")
    body = {
        **METADATA,
        "token_endpoint_auth_method": "private_key_jwt",
        "jwks": {"keys": [json.loads(key.export_public())]},
    }
    resp = manager.post("/cms/oauth/register", body, format="json")
    assert resp.status_code == 201 and "client_secret" not in resp.json()
    resp = manager.post("/cms/oauth/register", {**body, "jwks": {"keys": []}}, format="json")
    assert resp.status_code == 400 and "at least one key" in resp.json()["error_description"]
    resp = manager.post("/cms/oauth/register", {**body, "jwks_uri": "https://keys.example/jwks"}, format="json")
    assert resp.status_code == 400 and "jwks_uri" in resp.json()["error_description"]


def test_rfc7592_answers_are_documented_with_the_registration_token_scheme(manager):
    """The schema says which bearer RFC 7592 wants, and documents its 401 (a wrong token or
    an unknown client) on every operation and the 403 of an update that adds scopes."""
    schema = served_schema()
    assert schema.raw_schema["components"]["securitySchemes"]["registrationAccessToken"]["scheme"] == "bearer"
    body = manager.post("/cms/oauth/register", METADATA, format="json").json()
    uri, path = f"/cms/oauth/register/{body['client_id']}", "/cms/oauth/register/{client_id}"
    for method in ("GET", "PUT", "DELETE"):
        operation = schema.raw_schema["paths"][path][method.lower()]
        assert operation["security"] == [{"registrationAccessToken": []}]
    stranger = bearer(APIClient(), "not-the-registration-token")
    for method in ("get", "put", "delete"):
        refused = getattr(stranger, method)(uri, {**METADATA, "client_id": body["client_id"]}, format="json")
        assert refused.status_code == 401
        assert_documented(refused, method, path, schema)
    rat = bearer(APIClient(), body["registration_access_token"])
    assert_documented(rat.get(uri), "GET", path, schema)
    wider = rat.put(uri, {**METADATA, "scope": "cms.fhir.r4.read cms.sdk.read cms.partner.read"}, format="json")
    assert wider.status_code == 403 and "may only remove scopes" in wider.json()["detail"]
    assert_documented(wider, "PUT", path, schema)
    assert_documented(rat.put(uri, {**METADATA, "scope": "cms.sdk.read"}, format="json"), "PUT", path, schema)
    assert_documented(rat.delete(uri), "DELETE", path, schema)


@pytest.mark.parametrize(
    "change",
    [
        {"grant_types": [{}]},
        {"grant_types": "client_credentials"},
        {"grant_types": [["client_credentials"]]},
        {"client_name": {"en": "export"}},
        {"scope": ["cms.fhir.r4.read"]},
        {"token_endpoint_auth_method": ["client_secret_basic"]},
        {"redirect_uris": [{}]},
        {"client_id": ["x"]},
    ],
)
def test_odd_json_is_a_documented_400_naming_the_field(manager, change):
    resp = manager.post("/cms/oauth/register", {**METADATA, **change}, format="json")
    assert resp.status_code == 400 and resp.json()["error"] in ("invalid_client_metadata", "invalid_redirect_uri")
    (field,) = change
    assert all(isinstance(message, str) for message in resp.json()["errors"][field])
    assert_documented(resp, "POST", "/cms/oauth/register")
    assert not OAuthClient.objects.exists()
