def test_openapi_schema_is_served(client, db):
    resp = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert resp.status_code == 200
    schema = resp.json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "CMS Health Tech Ecosystem API"
    assert "/api/scopes" in schema["paths"]


def test_docs_viewer_uses_only_local_assets(client, db):
    html = client.get("/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert "<script>" not in html and "<style>" not in html
    script = client.get("/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


def test_every_operation_documents_its_errors(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail", "code"]
    create = schema["paths"]["/cms/tokens"]["post"]["responses"]
    for status in ("400", "401", "403", "404", "413", "415", "429"):
        assert create[status]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "201" in create
    public = schema["paths"]["/api/scopes"]["get"]["responses"]
    assert "429" in public and "401" not in public


def test_partner_login_documents_its_401(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    login = schema["paths"]["/cms/partner-login"]["post"]["responses"]
    assert login["401"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "uniform" in login["401"]["description"]
