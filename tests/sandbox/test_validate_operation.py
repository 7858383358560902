"""$validate, and profile validation on every write."""

from __future__ import annotations

import copy
import json

import pytest

from tests.sandbox.synthetic_data import lake

FHIR = "application/fhir+json"


def _eob() -> dict:
    eob = next(r for r in lake() if r["resourceType"] == "ExplanationOfBenefit")
    out = copy.deepcopy(eob)
    out["meta"]["lastUpdated"] = "2026-01-01T00:00:00.000Z"
    return out


@pytest.fixture
def writer(issue):
    return issue(scopes=["cms.fhir.r4.read", "cms.fhir.rest.write"]).secret


def post(client, path, token, body, **extra):
    return client.post(path, json.dumps(body), content_type=FHIR, HTTP_AUTHORIZATION=f"Bearer {token}", **extra)


def test_validate_a_conformant_claim(client, db, writer):
    outcome = post(client, "/fhir/R4/ExplanationOfBenefit/$validate", writer, _eob()).json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert not [i for i in outcome["issue"] if i["severity"] in ("error", "fatal")]


def test_validate_names_the_missing_slice(client, db, writer):
    eob = _eob()
    eob["identifier"] = [i for i in eob["identifier"] if i["type"]["coding"][0]["code"] != "uc"]
    outcome = post(client, "/fhir/R4/ExplanationOfBenefit/$validate", writer, eob).json()
    errors = [i for i in outcome["issue"] if i["severity"] == "error"]
    assert any("identifier:uniqueclaimid" in e["expression"][0] for e in errors)


def test_validate_takes_parameters_and_a_profile(client, db, writer):
    patient = {"resourceType": "Patient", "gender": "female"}
    params = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "resource", "resource": patient},
            {"name": "profile", "valueUri": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient"},
        ],
    }
    outcome = post(client, "/fhir/R4/Patient/$validate", writer, params).json()
    paths = [i["expression"][0] for i in outcome["issue"] if i["severity"] == "error"]
    assert "Patient.identifier" in paths and "Patient.name" in paths


def test_a_write_breaking_its_profile_is_422_naming_the_element(client, db, writer, acme):
    eob = _eob()
    eob["identifier"] = [i for i in eob["identifier"] if i["type"]["coding"][0]["code"] != "uc"]
    resp = post(client, "/fhir/R4/ExplanationOfBenefit", writer, eob, HTTP_X_GPID_BOUNDARY=acme.gpid)
    assert resp.status_code == 422
    assert "identifier:uniqueclaimid" in json.dumps(resp.json())


def test_validate_needs_a_fhir_scope(client, db, issue):
    token = issue(scopes=["cms.partner.read"]).secret
    assert post(client, "/fhir/R4/Patient/$validate", token, {"resourceType": "Patient"}).status_code == 403
