from django.urls import reverse

from scopes import catalog as scopes


def test_catalog_has_the_seed_counts():
    stats = scopes.stats()
    from_seed_reference = [s for s in scopes.SCOPES_BY_CODE.values() if s.category != "partner-management"]
    assert len(from_seed_reference) == 40
    assert sum(1 for s in from_seed_reference if s.smart) == 12
    assert stats["total"] == 42  # plus cms.partner.read/write from the portal page
    assert scopes.get("velocity.clearinghouse.eligibility").description == (
        "Real-time 270/271 eligibility checks via Stedi clearinghouse."
    )
    assert scopes.get("identity.merge").auth_methods == ("Service Key", "OAuth 2.0")


def test_scope_page_lists_every_scope_with_badges(client, db):
    html = client.get(reverse("scopes")).content.decode()
    assert html.count('class="scope"') == 42
    assert "<code>system/*.read</code>" in html
    assert "Least-privilege principle" in html
    assert '<span class="badge badge--auth">SMART on FHIR</span>' in html


def test_scope_page_search_and_category_filter(client, db):
    html = client.get(reverse("scopes"), {"q": "bundle"}).content.decode()
    assert "<code>cms.fhir.bundle.push</code>" in html
    assert "<code>horizon.query</code>" not in html
    html = client.get(reverse("scopes"), {"category": "velocity-rcm"}).content.decode()
    assert html.count('class="scope"') == 3


def test_scope_page_explains_an_empty_result(client, db):
    html = client.get(reverse("scopes"), {"q": "no-such-scope-xyz"}).content.decode()
    assert "No scope matches “no-such-scope-xyz”" in html


def test_unknown_category_is_ignored_not_an_error(client, db):
    resp = client.get(reverse("scopes"), {"category": "<script>"})
    assert resp.status_code == 200
    assert resp.content.decode().count('class="scope"') == 42


def test_scope_api_returns_the_same_catalog(client, db):
    resp = client.get("/api/scopes")
    assert resp.status_code == 200
    assert resp["Content-Type"] == "application/json"
    body = resp.json()
    assert body["count"] == 42
    first = body["results"][0]
    assert first == {
        "code": "cms.fhir.r4.read",
        "category": "fhir-platform",
        "category_name": "FHIR Platform",
        "description": scopes.get("cms.fhir.r4.read").description,
        "endpoints": ["GET /fhir/R4/{ResourceType}", "GET /fhir/R4/{ResourceType}/{id}"],
        "auth_methods": ["API Key", "OAuth 2.0"],
        "products": ["APEX Nexus", "FHIR Data Lake"],
        "smart": False,
    }
    smart = client.get("/api/scopes", {"category": "smart-on-fhir"}).json()
    assert smart["count"] == 9
