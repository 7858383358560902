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
