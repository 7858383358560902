"""Base R4 structure (validate_base): paths, JSON kinds, cardinality, choices, R4 vs R4B."""

from __future__ import annotations

from sandbox.validation import Issue, validate_base
from sandbox.validation.base import pydantic_issues

from .fhir_examples import codes_of, example


def patient() -> dict:
    return example("Patient-example")


def test_a_valid_patient_has_no_issues():
    assert validate_base(patient()) == []


def test_issue_is_a_frozen_value():
    issue = Issue("error", "value", "Patient.gender", "bad")
    assert issue == Issue("error", "value", "Patient.gender", "bad")
    assert {issue, Issue("error", "value", "Patient.gender", "bad")} == {issue}


def test_unknown_element_is_named_with_its_path():
    resource = patient()
    resource["identifier"][0]["sytem"] = "urn:oid:1.2.36.146.595.217.0.1"
    issues = validate_base(resource)
    assert codes_of(issues) == {("structure", "Patient.identifier[0].sytem")}
    assert "sytem" in issues[0].message


def test_primitive_of_the_wrong_kind_or_form():
    resource = patient()
    resource["birthDate"] = "1987-02-30"
    resource["active"] = "true"
    resource["identifier"][0]["system"] = "has spaces in it"
    assert codes_of(validate_base(resource)) == {
        ("value", "Patient.birthDate"),
        ("value", "Patient.active"),
        ("value", "Patient.identifier[0].system"),
    }


def test_array_and_single_value_mix_ups_empty_arrays_and_nulls():
    resource = patient()
    resource["gender"] = ["female"]
    resource["name"] = resource["name"][0]
    resource["telecom"] = []
    resource["birthDate"] = None
    assert codes_of(validate_base(resource)) == {
        ("structure", "Patient.gender"),
        ("structure", "Patient.name"),
        ("structure", "Patient.telecom"),
        ("structure", "Patient.birthDate"),
    }


def test_missing_required_element_and_required_primitive_given_by_extension_only():
    eob = example("ExplanationOfBenefit-EOBInpatient1")
    del eob["status"]
    assert codes_of(validate_base(eob)) == {("required", "ExplanationOfBenefit.status")}
    eob["_status"] = {
        "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason", "valueCode": "unknown"}]
    }
    assert validate_base(eob) == []


def test_two_types_of_one_choice_element():
    observation = example("Observation-weight")
    observation["valueString"] = "20 kg"
    issues = validate_base(observation)
    assert codes_of(issues) == {("structure", "Observation.valueString")}


def test_missing_required_choice():
    eob = example("ExplanationOfBenefit-EOBInpatient1")
    del eob["diagnosis"][0]["diagnosisCodeableConcept"]
    assert codes_of(validate_base(eob)) == {("required", "ExplanationOfBenefit.diagnosis[0].diagnosis[x]")}


def test_empty_object_and_resource_type_problems():
    resource = patient()
    resource["maritalStatus"] = {}
    assert codes_of(validate_base(resource)) == {("structure", "Patient.maritalStatus")}
    assert codes_of(validate_base({"id": "x"})) == {("required", "Resource")}
    assert codes_of(validate_base({"resourceType": "Patinet"})) == {("structure", "Patinet")}


def test_contained_and_bundle_entries_are_walked_with_their_paths():
    request = example("MedicationRequest-medicationrequest-contained-oral-axid")
    request["contained"][0]["code"]["coding"][0]["code"] = 582620
    assert codes_of(validate_base(request)) == {("value", "MedicationRequest.contained[0].code.coding[0].code")}
    bundle = example("Bundle-c887e62f-6166-419f-8268-b5ecd6c7b901")
    bundle["entry"][0]["resource"]["onsetDate"] = "yesterday"
    assert codes_of(validate_base(bundle)) == {("structure", "Bundle.entry[0].resource.onsetDate")}


def test_extension_needs_a_value_or_extensions_but_not_both():
    resource = patient()
    resource["extension"][0]["valueString"] = "also a value"
    issues = validate_base(resource)
    assert codes_of(issues) == {("invariant", "Patient.extension[0]")}
    assert "ext-1" in issues[0].message


def test_r4_only_extension_value_meta_is_valid_though_r4b_rejects_it():
    resource = patient()
    resource["extension"].append({"url": "http://example.org/meta", "valueMeta": {"versionId": "1"}})
    assert validate_base(resource) == []
    assert pydantic_issues(resource) != []  # the R4B model alone would wrongly reject it


def test_r4b_only_types_are_rejected():
    resource = patient()
    resource["extension"].append({"url": "http://example.org/x", "valueRatioRange": {"lowNumerator": {"value": 1}}})
    last = len(resource["extension"]) - 1
    assert codes_of(validate_base(resource)) == {("structure", f"Patient.extension[{last}].valueRatioRange")}
    assert codes_of(validate_base({"resourceType": "Citation", "status": "active"})) == {("not-supported", "Citation")}
    plan = {"resourceType": "PlanDefinition", "status": "draft", "subjectCanonical": "http://example.org/x"}
    assert codes_of(validate_base(plan)) == {("structure", "PlanDefinition.subjectCanonical")}


def test_r4_resource_missing_from_the_r4b_models_is_a_warning():
    issues = validate_base({"resourceType": "MedicinalProduct", "id": "m1", "name": [{"productName": "X"}]})
    assert [(i.severity, i.code) for i in issues] == [("warning", "not-supported")]


def test_uuid_of_any_version_is_a_valid_r4_uuid():
    resource = patient()
    resource["extension"].append(
        {"url": "http://example.org/u", "valueUuid": "urn:uuid:c757873d-ec9a-1dfc-8000-000000000000"}
    )
    assert validate_base(resource) == []
    resource["extension"][-1]["valueUuid"] = "c757873d-ec9a-4326-a141-556f43239520"
    last = len(resource["extension"]) - 1
    assert codes_of(validate_base(resource)) == {("value", f"Patient.extension[{last}].valueUuid")}


def test_integers_must_be_json_numbers_in_range():
    eob = example("ExplanationOfBenefit-EOBInpatient1")
    eob["supportingInfo"][0]["sequence"] = "2"
    eob["supportingInfo"][1]["sequence"] = 0
    assert codes_of(validate_base(eob)) == {
        ("value", "ExplanationOfBenefit.supportingInfo[0].sequence"),
        ("value", "ExplanationOfBenefit.supportingInfo[1].sequence"),
    }
