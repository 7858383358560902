"""Patient-context tokens see one beneficiary's data, through every door."""

from __future__ import annotations

from tests.sandbox.conftest import get


def ids(resp):
    return {(e["resource"]["resourceType"], e["resource"]["id"]) for e in resp.json().get("entry", [])}


def test_a_beneficiary_token_reads_its_patient_coverage_and_claims(client, lake, smart_token):
    token = smart_token("patient/Patient.read patient/Coverage.read patient/ExplanationOfBenefit.read", "p1")
    assert get(client, "/fhir/R4/Patient/p1", token).status_code == 200
    assert get(client, "/fhir/R4/Coverage?beneficiary=Patient/p1", token).json()["total"] == 1
    assert get(client, "/fhir/R4/ExplanationOfBenefit?patient=p1", token).json()["total"] == 12


def test_another_beneficiarys_data_is_not_found(client, lake, smart_token):
    token = smart_token("patient/*.read", "p1")
    assert get(client, "/fhir/R4/Patient/p2", token).status_code == 404
    assert get(client, "/fhir/R4/ExplanationOfBenefit/eob-p2-00", token).status_code == 404
    assert get(client, "/fhir/R4/ExplanationOfBenefit?patient=p2", token).json()["total"] == 0
    everything = get(client, "/fhir/R4/ExplanationOfBenefit?_count=50", token).json()
    assert everything["total"] == 12 and all("p1" in e["resource"]["id"] for e in everything["entry"])
    assert ids(get(client, "/fhir/R4/Patient", token)) == {("Patient", "p1")}


def test_includes_and_revincludes_stay_in_the_compartment(client, lake, smart_token):
    token = smart_token("patient/*.read", "p1")
    resp = get(client, "/fhir/R4/Observation?_revinclude=Provenance:target", token)
    assert ("Provenance", "prov-lab-p2") not in ids(resp) and ("Provenance", "prov-lab-p1") in ids(resp)
    resp = get(client, "/fhir/R4/Coverage?_include=Coverage:payor", token)
    assert ids(resp) == {("Coverage", "cov-p1"), ("Organization", "payer")}


def test_paging_links_cannot_reach_outside(client, lake, smart_token):
    token = smart_token("patient/ExplanationOfBenefit.read", "p1")
    page = get(client, "/fhir/R4/ExplanationOfBenefit?_count=5", token).json()
    seen = set()
    while True:
        seen |= {e["resource"]["id"] for e in page["entry"]}
        nxt = [link["url"] for link in page["link"] if link["relation"] == "next"]
        if not nxt:
            break
        page = get(client, nxt[0].split("testserver", 1)[1], token).json()
    assert len(seen) == 12 and all(s.startswith("eob-p1-") for s in seen)


def test_a_type_without_scope_is_403(client, lake, smart_token):
    token = smart_token("patient/ExplanationOfBenefit.read", "p1")
    resp = get(client, "/fhir/R4/Observation?patient=p1", token)
    assert resp.status_code == 403 and "patient/Observation.rs" in resp.json()["issue"][0]["diagnostics"]


def test_patient_scopes_without_a_patient_in_context_are_403(client, lake, smart_token):
    token = smart_token("patient/*.read", "")
    assert get(client, "/fhir/R4/Patient/p1", token).status_code == 403


def test_granular_v2_scopes_filter_results(client, lake, smart_token):
    scope = "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory"
    token = smart_token(scope, "p1")
    assert ids(get(client, "/fhir/R4/Observation?patient=p1", token)) == {("Observation", "lab-p1")}
    assert get(client, "/fhir/R4/Observation/vital-p1", token).status_code == 404
    assert get(client, "/fhir/R4/Observation/lab-p1", token).status_code == 200
