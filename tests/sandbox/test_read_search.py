"""Reading and searching the lake with the right credentials, and nothing more."""

from __future__ import annotations

import json

from audit.models import AuditEvent
from tests.sandbox.conftest import get


def entries(resp, mode="match"):
    return [e["resource"] for e in resp.json()["entry"] if e["search"]["mode"] == mode]


def test_metadata_needs_no_token_and_lists_what_works(client, db):
    resp = client.get("/fhir/R4/metadata")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("application/fhir+json")
    statement = resp.json()
    assert statement["fhirVersion"] == "4.0.1"
    assert "http://hl7.org/fhir/us/core/CapabilityStatement/us-core-server|6.1.0" in statement["instantiates"]
    types = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert "ExplanationOfBenefit:patient" in types["ExplanationOfBenefit"]["searchInclude"]
    assert {"service-date", "patient", "_id"} <= {p["name"] for p in types["ExplanationOfBenefit"]["searchParam"]}
    assert resp["Access-Control-Allow-Origin"] == "*"


def test_read_returns_the_stored_bytes_with_etag(client, lake, fhir_token):
    resp = get(client, "/fhir/R4/Patient/p1", fhir_token)
    assert resp.status_code == 200
    body = resp.json()
    assert body["id"] == "p1" and body["meta"]["versionId"] == "1" and body["meta"]["lastUpdated"].endswith("Z")
    assert resp["ETag"] == 'W/"1"' and resp["Last-Modified"]
    assert get(client, "/fhir/R4/Patient/p1", fhir_token, HTTP_IF_NONE_MATCH='W/"1"').status_code == 304
    assert json.loads(get(client, "/fhir/R4/Patient/p1/_history/1", fhir_token).content)["id"] == "p1"


def test_every_read_is_audited_with_the_seed_fields(client, lake, fhir_token, acme):
    get(client, "/fhir/R4/ExplanationOfBenefit/eob-p1-00", fhir_token, REMOTE_ADDR="203.0.113.9")
    event = AuditEvent.objects.filter(action="fhir.read").latest("id")
    assert event.interaction == "GET ExplanationOfBenefit/eob-p1-00"
    assert event.patient_ref == "Patient/p1" and event.partner_gpid == acme.gpid
    assert set(event.scopes) == {"cms.partner.read", "cms.fhir.r4.read"} and event.data_categories == ["claims"]
    assert event.status_code == 200 and str(event.source_ip) == "203.0.113.9" and event.client_id.startswith("tok_")


def test_no_token_is_401_operation_outcome(client, lake):
    resp = client.get("/fhir/R4/Patient/p1")
    assert resp.status_code == 401 and resp["WWW-Authenticate"].startswith("Bearer")
    assert resp.json()["resourceType"] == "OperationOutcome" and resp.json()["issue"][0]["code"] == "login"
    assert get(client, "/fhir/R4/Patient/p1", "cms_sk_sandbox_bogus").status_code == 401


def test_a_token_without_a_fhir_scope_is_403_naming_the_scope(client, lake, issue):
    token = issue(scopes=["cms.partner.read"]).secret
    resp = get(client, "/fhir/R4/Observation?patient=p1", token)
    assert resp.status_code == 403
    assert "cms.fhir.r4.read" in resp.json()["issue"][0]["diagnostics"]


def test_unknown_ids_types_and_bases_are_404_outcomes(client, lake, fhir_token):
    assert get(client, "/fhir/R4/Patient/nope", fhir_token).status_code == 404
    resp = get(client, "/fhir/R4/Spaceship/1", fhir_token)
    assert resp.status_code == 404 and "metadata" in resp.json()["issue"][0]["diagnostics"]
    resp = get(client, "/fhir/R3/Patient/p1", fhir_token)
    assert resp.status_code == 404 and resp.json()["resourceType"] == "OperationOutcome"


def test_search_eob_by_patient_both_forms_and_post(client, lake, fhir_token):
    a = get(client, "/fhir/R4/ExplanationOfBenefit?patient=p1&_count=50", fhir_token).json()
    b = get(client, "/fhir/R4/ExplanationOfBenefit?patient=Patient/p1&_count=50", fhir_token).json()
    c = client.post(
        "/fhir/R4/ExplanationOfBenefit/_search",
        "patient=p1&_count=50",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=f"Bearer {fhir_token}",
    ).json()
    ids = [e["resource"]["id"] for e in a["entry"]]
    assert len(ids) == 12 and a["total"] == 12
    assert ids == [e["resource"]["id"] for e in b["entry"]] == [e["resource"]["id"] for e in c["entry"]]


def test_paging_links_walk_forward_and_back(client, lake, fhir_token):
    first = get(client, "/fhir/R4/ExplanationOfBenefit?patient=p1&_count=5", fhir_token).json()
    links = {link["relation"]: link["url"] for link in first["link"]}
    assert "previous" not in links and first["total"] == 12
    second = get(client, links["next"].split("testserver", 1)[1], fhir_token).json()
    back = {link["relation"]: link["url"] for link in second["link"]}["previous"]
    again = get(client, back.split("testserver", 1)[1], fhir_token).json()
    assert [e["resource"]["id"] for e in again["entry"]] == [e["resource"]["id"] for e in first["entry"]]
    seen = [e["resource"]["id"] for e in first["entry"]] + [e["resource"]["id"] for e in second["entry"]]
    assert len(set(seen)) == 10


def test_token_and_date_searches(client, lake, fhir_token):
    lab = get(client, f"/fhir/R4/Observation?patient=p1&category={LAB_SYSTEM}|laboratory", fhir_token)
    assert [r["id"] for r in entries(lab)] == ["lab-p1"]
    assert [
        r["id"] for r in entries(get(client, "/fhir/R4/Observation?patient=p1&category=vital-signs", fhir_token))
    ] == ["vital-p1"]
    either = get(client, "/fhir/R4/Observation?patient=p1&code=4548-4,8867-4", fhir_token)
    assert len(entries(either)) == 2
    dated = get(client, "/fhir/R4/Observation?patient=p1&category=laboratory&date=ge2024-05-01", fhir_token)
    assert [r["id"] for r in entries(dated)] == ["lab-p1"]
    assert entries(get(client, "/fhir/R4/Observation?patient=p1&date=lt2024-01-01", fhir_token)) == []
    may = get(client, "/fhir/R4/ExplanationOfBenefit?service-date=2024-05", fhir_token)
    assert {r["id"] for r in entries(may)} == {"eob-p1-04", "eob-p2-04"}


def test_patient_name_and_identifier_searches(client, lake, fhir_token):
    assert [r["id"] for r in entries(get(client, "/fhir/R4/Patient?name=jan", fhir_token))] == ["p1"]
    assert [r["id"] for r in entries(get(client, "/fhir/R4/Patient?birthdate=1948-11-20&name=roe", fhir_token))] == [
        "p2"
    ]
    assert [r["id"] for r in entries(get(client, "/fhir/R4/Patient?identifier=bene-p2", fhir_token))] == ["p2"]
    assert [r["id"] for r in entries(get(client, "/fhir/R4/Patient?gender=female&name=doe", fhir_token))] == ["p1"]


def test_includes_and_revincludes(client, lake, fhir_token):
    resp = get(
        client,
        "/fhir/R4/ExplanationOfBenefit?_id=eob-p1-00&_include=ExplanationOfBenefit:patient"
        "&_include=ExplanationOfBenefit:insurer",
        fhir_token,
    )
    assert {(r["resourceType"], r["id"]) for r in entries(resp, "include")} == {
        ("Patient", "p1"),
        ("Organization", "payer"),
    }
    prov = get(client, "/fhir/R4/Observation?patient=p1&_revinclude=Provenance:target", fhir_token)
    assert [r["id"] for r in entries(prov, "include")] == ["prov-lab-p1"]


def test_unknown_parameters_warn_or_fail_under_strict(client, lake, fhir_token):
    resp = get(client, "/fhir/R4/Patient?flavour=vanilla", fhir_token)
    assert resp.status_code == 200
    outcome = next(e for e in resp.json()["entry"] if e["search"]["mode"] == "outcome")["resource"]
    assert "flavour" in outcome["issue"][0]["diagnostics"]
    strict = get(client, "/fhir/R4/Patient?flavour=vanilla", fhir_token, HTTP_PREFER="handling=strict")
    assert strict.status_code == 400


def test_bad_input_is_400_never_500(client, lake, fhir_token):
    for query in ("_count=-1", "birthdate=yesterday", "_cursor=%%%", "_sort=name", "_include=Patient:nope"):
        resp = get(client, f"/fhir/R4/Patient?{query}", fhir_token)
        assert resp.status_code == 400, query
        assert resp.json()["resourceType"] == "OperationOutcome"


LAB_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category"


def test_browser_apps_may_call_from_any_origin(client, lake, fhir_token):
    preflight = client.options(
        "/fhir/R4/Patient/p1", HTTP_ORIGIN="https://app.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    assert preflight.status_code == 204 and preflight["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in preflight["Access-Control-Allow-Headers"]
    resp = get(client, "/fhir/R4/Patient/p1", fhir_token, HTTP_ORIGIN="https://app.example")
    assert resp["Access-Control-Allow-Origin"] == "*" and "ETag" in resp["Access-Control-Expose-Headers"]


def test_too_many_requests_is_a_429_outcome_with_retry_after(client, lake, fhir_token, settings, monkeypatch):
    from sandbox.api import base

    settings.RATE_LIMITS_ENABLED = True
    monkeypatch.setattr(base, "RATE_LIMITS", ((3, 60),))
    statuses = [get(client, "/fhir/R4/Patient/p1", fhir_token).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    resp = get(client, "/fhir/R4/Patient/p1", fhir_token)
    assert resp["Retry-After"] == "60" and resp.json()["issue"][0]["code"] == "throttled"
