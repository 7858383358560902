"""Synthetic data: API, determinism, ids, counts per beneficiary, R4B parsing."""

from __future__ import annotations

import json
import re
from collections import Counter
from itertools import islice

import pytest
from fhir.resources.R4B import get_fhir_model_class

from sandbox.synthetic import Beneficiary, beneficiaries, generate, shared_resources
from tests.sandbox.synthetic_data import PATIENTS, by_key, by_patient, lake, of_type, profiles

FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
EOB_PROFILES = {
    "C4BB-ExplanationOfBenefit-Inpatient-Institutional",
    "C4BB-ExplanationOfBenefit-Outpatient-Institutional",
    "C4BB-ExplanationOfBenefit-Professional-NonClinician",
    "C4BB-ExplanationOfBenefit-Pharmacy",
    "C4BB-ExplanationOfBenefit-Oral",
}
PER_BENEFICIARY_TYPES = {
    "Patient", "RelatedPerson", "Coverage", "ExplanationOfBenefit", "Encounter", "Condition", "Observation",
    "DiagnosticReport", "DocumentReference", "AllergyIntolerance", "Immunization", "MedicationRequest",
    "MedicationDispense", "Procedure", "CarePlan", "CareTeam", "Goal", "ServiceRequest", "Specimen", "Device",
}  # fmt: skip


def test_beneficiaries_are_the_sandbox_logins():
    users = beneficiaries(patients=PATIENTS)
    assert len(users) == PATIENTS
    assert users[0] == Beneficiary(0, "BBUser00000", "PW00000!", "bb-00000", users[0].name)
    assert (
        users[29].username == "BBUser00029" and users[29].password == "PW00029!" and users[29].patient_id == "bb-00029"
    )
    for user in users:
        patient = by_key()[f"Patient/{user.patient_id}"]
        name = patient["name"][0]
        assert user.name == f"{name['given'][0]} {name['family']}"


def test_shared_resources_come_first():
    shared = shared_resources()
    assert list(lake()[: len(shared)]) == shared
    assert by_key()["Organization/payer-cms"]["name"] == "Centers for Medicare & Medicaid Services"
    assert {r["resourceType"] for r in shared} == {
        "Organization", "Practitioner", "PractitionerRole", "Location", "Medication", "Provenance",
    }  # fmt: skip


def test_two_runs_give_byte_identical_output():
    first = json.dumps(list(generate(patients=4)), sort_keys=False)
    second = json.dumps(list(generate(patients=4)), sort_keys=False)
    assert first == second


def test_a_smaller_lake_is_a_prefix_of_a_larger_one():
    small = list(lake())
    large = list(generate(patients=PATIENTS + 10))
    assert large[: len(small)] == small
    assert large[len(small)]["resourceType"] == "Patient" and large[len(small)]["id"] == "bb-00030"


def test_generate_streams():
    stream = generate(patients=10_000)
    first = list(islice(stream, 5))
    assert first[0]["resourceType"] == "Organization"


def test_ids_are_unique_and_fhir_ids():
    keys = Counter(f"{r['resourceType']}/{r['id']}" for r in lake())
    assert max(keys.values()) == 1
    for r in lake():
        assert FHIR_ID.match(r["id"]), r["id"]
        assert r["meta"]["profile"], r["id"]
        assert "versionId" not in r["meta"] and "lastUpdated" not in r["meta"]


def test_every_reference_resolves_inside_the_lake():
    def refs(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "reference":
                    yield value
                else:
                    yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    keys = by_key()
    dangling = [(r["id"], ref) for r in lake() for ref in refs(r) if ref not in keys]
    assert dangling == []


def test_each_beneficiary_has_a_full_record():
    patients = by_patient()
    assert len(patients) == PATIENTS
    for pid, resources in patients.items():
        types = {r["resourceType"] for r in resources}
        assert types >= PER_BENEFICIARY_TYPES, (pid, PER_BENEFICIARY_TYPES - types)
        eobs = of_type(resources, "ExplanationOfBenefit")
        assert len(eobs) >= 30, pid
        assert {p for e in eobs for p in profiles(e)} == EOB_PROFILES, pid
        coverages = {c["id"].split("-cov-")[1] for c in of_type(resources, "Coverage")}
        assert coverages >= {"part-a", "part-b", "part-d"}, pid
        conditions = {p for c in of_type(resources, "Condition") for p in profiles(c)}
        assert conditions == {"us-core-condition-encounter-diagnosis", "us-core-condition-problems-health-concerns"}
        reports = {p for d in of_type(resources, "DiagnosticReport") for p in profiles(d)}
        assert reports == {"us-core-diagnosticreport-lab", "us-core-diagnosticreport-note"}
        observed = {p for o in of_type(resources, "Observation") for p in profiles(o)}
        assert observed >= {
            "us-core-blood-pressure", "us-core-heart-rate", "us-core-body-weight", "us-core-respiratory-rate",
            "us-core-body-temperature", "us-core-body-height", "us-core-pulse-oximetry", "us-core-observation-lab",
            "us-core-smokingstatus", "us-core-observation-screening-assessment", "us-core-observation-clinical-result",
        }, pid  # fmt: skip
        child = resources[0]["birthDate"] >= "2010"
        assert ("us-core-bmi" in observed) != child, pid
        if child:
            assert {"us-core-head-circumference", "pediatric-bmi-for-age", "pediatric-weight-for-height"} <= observed


def test_some_beneficiaries_have_a_medicare_advantage_plan():
    plans = [r for r in lake() if r["resourceType"] == "Coverage" and r["id"].endswith("-cov-ma")]
    assert 3 <= len(plans) < PATIENTS


def test_every_resource_has_one_provenance_targeting_it():
    targets = Counter(p["target"][0]["reference"] for p in lake() if p["resourceType"] == "Provenance")
    for r in lake():
        if r["resourceType"] != "Provenance":
            key = f"{r['resourceType']}/{r['id']}"
            assert targets[key] == 1, key
            assert by_key()[f"Provenance/{r['id']}-prov"]["target"] == [{"reference": key}]
    assert max(targets.values()) == 1


@pytest.mark.parametrize("index", [0, 7])
def test_resources_parse_with_the_r4b_models(index):
    """Beneficiary 0 (adult) and 7 (child), plus the shared resources, parse with fhir.resources R4B."""
    shared = shared_resources()
    resources = [r for r in lake() if r["id"].startswith(f"bb-{index:05d}")] + (shared if index == 0 else [])
    assert len(resources) > 200
    for r in resources:
        get_fhir_model_class(r["resourceType"]).model_validate(r)


def test_output_does_not_depend_on_the_interpreter_hash_seed():
    import hashlib
    import os
    import subprocess
    import sys

    script = (
        "import hashlib, json; from sandbox.synthetic import generate; "
        "print(hashlib.sha256(json.dumps(list(generate(patients=3))).encode()).hexdigest())"
    )
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
        digests.add(out.stdout.strip())
    expected = hashlib.sha256(json.dumps(list(generate(patients=3))).encode()).hexdigest()
    assert digests == {expected}
