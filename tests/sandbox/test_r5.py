"""The R5 view of Patient and Observation, with cms.fhir.r5.read."""

from __future__ import annotations

import pytest

from sandbox import r5
from tests.sandbox.conftest import get


@pytest.fixture
def r5_token(issue):
    return issue(scopes=["cms.fhir.r5.read"]).secret


def test_metadata_is_r5(client, db):
    statement = client.get("/fhir/R5/metadata").json()
    assert statement["fhirVersion"] == "5.0.0"
    assert sorted(r["type"] for r in statement["rest"][0]["resource"]) == ["Observation", "Patient"]


def test_patient_and_observation_read_and_search_as_valid_r5(client, lake, r5_token):
    patient = get(client, "/fhir/R5/Patient/p1", r5_token).json()
    assert patient["id"] == "p1" and "profile" not in patient.get("meta", {})
    assert r5.problems(patient) == []
    bundle = get(client, "/fhir/R5/Observation?patient=p1", r5_token).json()
    assert bundle["total"] == 2 and bundle["link"][0]["url"].startswith("http://testserver/fhir/R5/Observation")
    for entry in bundle["entry"]:
        assert r5.problems(entry["resource"]) == []


def test_r5_needs_its_scope_and_serves_two_types(client, lake, fhir_token, r5_token):
    resp = get(client, "/fhir/R5/Patient/p1", fhir_token)
    assert resp.status_code == 403 and "cms.fhir.r5.read" in resp.json()["issue"][0]["diagnostics"]
    assert get(client, "/fhir/R5/ExplanationOfBenefit/eob-p1-00", r5_token).status_code == 404
    assert get(client, "/fhir/R5/Patient?_include=Patient:organization", r5_token).status_code == 400
