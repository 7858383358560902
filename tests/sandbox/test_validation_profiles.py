"""Official examples broken on purpose: each profile rule fires, at the right path."""

from __future__ import annotations

import pytest

from sandbox.validation import validate, validate_base

from .fhir_examples import CARIN, US_CORE, at, codes_of, errors, example

INPATIENT = CARIN + "C4BB-ExplanationOfBenefit-Inpatient-Institutional|2.0.0"


def inpatient() -> dict:
    return example("ExplanationOfBenefit-EOBInpatient1")


def without(items: list[dict], code: str, field: str = "category") -> list[dict]:
    return [i for i in items if i[field]["coding"][0]["code"] != code]


def test_dropping_the_unique_claim_id_misses_a_required_slice():
    eob = inpatient()
    eob["identifier"] = [{"system": "https://www.xxxplan.com/fhir/EOBIdentifier", "value": "AW1"}]
    issues = validate(eob)
    assert codes_of(issues) == {("required", "ExplanationOfBenefit.identifier:uniqueclaimid")}
    assert "C4BBIdentifierType#uc" in errors(issues)[0].message  # says how to fix it


def test_dropping_benefit_payment_status_misses_a_required_slice():
    eob = inpatient()
    eob["adjudication"] = without(eob["adjudication"], "benefitpaymentstatus")
    assert codes_of(validate(eob)) == {("required", "ExplanationOfBenefit.adjudication:benefitpaymentstatus")}


def test_dropping_the_admission_period_of_an_inpatient_claim():
    eob = inpatient()
    eob["supportingInfo"] = without(eob["supportingInfo"], "admissionperiod")
    assert codes_of(validate(eob)) == {("required", "ExplanationOfBenefit.supportingInfo:admissionperiod")}


def test_a_second_unique_claim_id_is_one_too_many():
    eob = inpatient()
    eob["identifier"].append(dict(eob["identifier"][0], value="AW2"))
    assert codes_of(validate(eob)) == {("structure", "ExplanationOfBenefit.identifier:uniqueclaimid")}


def test_changed_pattern_code():
    eob = inpatient()
    eob["type"]["coding"][0]["code"] = "professional"
    issues = validate(eob)
    assert codes_of(issues) == {("value", "ExplanationOfBenefit.type")}
    assert "claim-type#institutional" in errors(issues)[0].message


def test_changed_fixed_value():
    observation = example("Observation-weight")
    observation["valueQuantity"]["system"] = "http://example.org/units"
    assert ("value", "Observation.valueQuantity.system") in codes_of(validate(observation))


def test_required_slice_inside_a_matched_slice_names_both():
    eob = inpatient()
    info = next(i for i in eob["supportingInfo"] if i["category"]["coding"][0]["code"] == "admissionperiod")
    info["timingDate"] = info.pop("timingPeriod")["start"]
    index = eob["supportingInfo"].index(info)
    assert codes_of(validate(eob)) == {
        ("structure", f"ExplanationOfBenefit.supportingInfo[{index}]:admissionperiod.timingDate"),
        ("required", f"ExplanationOfBenefit.supportingInfo[{index}]:admissionperiod.timing[x]:timingPeriod"),
    }


def test_wrong_choice_type():
    observation = example("Observation-pregnancy-status")  # value[x]: CodeableConcept only
    observation["valueString"] = "pregnant"
    del observation["valueCodeableConcept"]
    issues = validate(observation)
    assert ("structure", "Observation.valueString") in codes_of(issues)
    assert any("valueCodeableConcept" in i.message for i in errors(issues))


def test_choice_type_the_profile_keeps_is_fine():
    observation = example("Observation-weight")  # vital signs allow every value[x] type
    observation["valueString"] = "20 kg"
    del observation["valueQuantity"]
    assert errors(validate(observation)) == []


def test_wrong_reference_type():
    eob = inpatient()
    eob["patient"] = {"reference": "Organization/Payer1"}
    issues = validate(eob)
    assert codes_of(issues) == {("structure", "ExplanationOfBenefit.patient.reference")}
    assert "Patient" in errors(issues)[0].message


@pytest.mark.parametrize(
    ("reference", "ok"),
    [
        ("Patient/Patient2", True),
        ("Patient/Patient2/_history/3", True),
        ("https://payer.example.org/fhir/Patient/Patient2", True),
        ("https://payer.example.org/fhir/Group/g1", False),
        ("Group/g1", False),
        ("urn:uuid:0f2c54b0-6c5a-4bde-a3f0-5b4ad5e3c0a1", True),  # not in a Bundle here: type unknown
    ],
)
def test_reference_forms(reference: str, ok: bool):
    eob = inpatient()
    eob["patient"] = {"reference": reference}
    assert (errors(validate(eob)) == []) is ok


def test_urn_uuid_reference_resolves_inside_a_bundle():
    eob = inpatient()
    patient = example("Patient-Patient2")
    organization = example("Organization-Payer1")
    eob["patient"] = {"reference": "urn:uuid:11111111-1111-4111-8111-111111111111"}
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "urn:uuid:11111111-1111-4111-8111-111111111111", "resource": patient},
            {"fullUrl": "urn:uuid:22222222-2222-4222-8222-222222222222", "resource": organization},
            {"fullUrl": "urn:uuid:33333333-3333-4333-8333-333333333333", "resource": eob},
        ],
    }
    assert errors(validate(bundle)) == []
    eob["patient"]["reference"] = "urn:uuid:22222222-2222-4222-8222-222222222222"
    assert codes_of(validate(bundle)) == {("structure", "Bundle.entry[2].resource.patient.reference")}


def test_missing_required_element():
    eob = inpatient()
    del eob["billablePeriod"]["start"]
    assert codes_of(validate(eob)) == {("required", "ExplanationOfBenefit.billablePeriod.start")}
    patient = example("Patient-example")
    del patient["name"]
    assert ("required", "Patient.name") in codes_of(validate(patient))


def test_code_outside_a_required_shipped_value_set():
    eob = inpatient()
    status = next(a for a in eob["adjudication"] if a["category"]["coding"][0]["code"] == "benefitpaymentstatus")
    status["reason"]["coding"][0]["code"] = "maybe"
    index = eob["adjudication"].index(status)
    issues = validate(eob)
    assert codes_of(issues) == {
        ("code-invalid", f"ExplanationOfBenefit.adjudication[{index}]:benefitpaymentstatus.reason")
    }
    assert "innetwork" in errors(issues)[0].message  # lists the codes it takes


def test_code_of_an_external_system_is_checked_by_system_only():
    eob = inpatient()
    eob["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0]["code"] = "NOT.A.REAL.CODE"
    assert errors(validate(eob)) == []  # ICD-10-CM is not shipped: any code of the system
    eob["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0]["system"] = "http://example.org/icd"
    assert ("code-invalid", "ExplanationOfBenefit.diagnosis[0].diagnosisCodeableConcept") in codes_of(validate(eob))


def test_core_code_list_stands_in_for_an_unshipped_required_value_set():
    eob = inpatient()
    eob["status"] = "finished"  # explanationofbenefit-status|4.0.1 is not shipped; the R4 codes are known
    assert codes_of(validate(eob)) == {("code-invalid", "ExplanationOfBenefit.status")}


def test_unknown_profile_asked_for_is_an_error():
    issues = validate(inpatient(), profiles=["http://example.org/fhir/StructureDefinition/nope"])
    assert [(i.severity, i.code, i.path) for i in issues] == [("error", "not-supported", "ExplanationOfBenefit")]


def test_unknown_version_of_a_known_profile_is_unknown():
    issues = validate(inpatient(), profiles=[CARIN + "C4BB-ExplanationOfBenefit-Inpatient-Institutional|1.0.0"])
    assert codes_of(issues) == {("not-supported", "ExplanationOfBenefit")}


def test_explicit_profiles_replace_meta_profile_and_versionless_urls_work():
    eob = inpatient()
    eob["supportingInfo"] = without(eob["supportingInfo"], "admissionperiod")
    assert errors(validate(eob, profiles=[CARIN + "C4BB-ExplanationOfBenefit"])) == []
    plain = CARIN + "C4BB-ExplanationOfBenefit-Inpatient-Institutional"
    assert ("required", "ExplanationOfBenefit.supportingInfo:admissionperiod") in codes_of(
        validate(eob, profiles=[plain])
    )


def test_no_profiles_means_base_checks_only():
    eob = inpatient()
    eob["supportingInfo"] = without(eob["supportingInfo"], "admissionperiod")
    del eob["meta"]["profile"]
    assert validate(eob) == []
    assert validate(inpatient(), profiles=[]) == []


def test_profile_for_another_resource_type():
    assert codes_of(validate(inpatient(), profiles=[US_CORE + "us-core-patient"])) == {
        ("structure", "ExplanationOfBenefit")
    }


def test_meta_profile_version_invariant():
    eob = inpatient()
    eob["meta"]["profile"] = [CARIN + "C4BB-ExplanationOfBenefit-Inpatient-Institutional"]
    issues = validate(eob)
    assert codes_of(issues) == {("invariant", "ExplanationOfBenefit")}
    assert "EOB-institutional-inpatient-meta-profile-version" in errors(issues)[0].message


def test_header_or_line_adjudication_invariant():
    eob = inpatient()
    eob["item"][0]["adjudication"] = [
        {
            "category": {
                "coding": [
                    {
                        "system": CARIN.replace("StructureDefinition", "CodeSystem") + "C4BBAdjudication",
                        "code": "paidtoprovider",
                    }
                ]
            },
            "amount": {"value": 1, "currency": "USD"},
        }
    ]
    messages = [i.message for i in errors(validate(eob))]
    assert any("EOB-institutional-item-or-header-adjudication" in m for m in messages)


def test_payee_other_requires_party():
    eob = inpatient()
    eob["payee"] = {
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/payeetype", "code": "other"}]}
    }
    issues = validate(eob)
    assert ("invariant", "ExplanationOfBenefit.payee") in codes_of(issues)


def test_us_core_name_invariant_and_npi_check_digit():
    patient = example("Patient-example")
    patient["name"] = [{"use": "official", "text": "Amy Shaw"}]
    assert ("invariant", "Patient.name[0]") in codes_of(validate(patient))
    practitioner = example("Practitioner-practitioner-1")
    practitioner["identifier"][0]["value"] = "9941339101"  # last digit off: Luhn fails
    issues = validate(practitioner)
    assert codes_of(issues) == {("invariant", "Practitioner.identifier[0]:NPI")}
    assert "us-core-17" in errors(issues)[0].message


def test_extension_defined_by_a_shipped_extension_profile():
    patient = example("Patient-example")
    race = next(e for e in patient["extension"] if e["url"].endswith("us-core-race"))
    index = patient["extension"].index(race)
    race["extension"] = [e for e in race["extension"] if e["url"] != "text"]
    assert codes_of(validate(patient)) == {("required", f"Patient.extension[{index}]:race.extension:text")}


def test_extension_value_of_the_wrong_type():
    patient = example("Patient-example")
    race = next(e for e in patient["extension"] if e["url"].endswith("us-core-race"))
    index = patient["extension"].index(race)
    category = race["extension"][0]
    category["valueString"] = category.pop("valueCoding")["code"]
    assert ("structure", f"Patient.extension[{index}]:race.extension[0]:ombCategory.valueString") in codes_of(
        validate(patient)
    )


def test_element_with_max_zero_must_be_absent():
    patient = example("Patient-example")
    race = next(e for e in patient["extension"] if e["url"].endswith("us-core-race"))
    index = patient["extension"].index(race)
    race["valueString"] = "White"  # us-core-race: value[x] 0..0, a complex extension
    issues = validate(patient)
    assert ("structure", f"Patient.extension[{index}]:race.valueString") in codes_of(issues)
    assert any("max 0" in i.message for i in errors(issues))


def test_known_extension_is_checked_even_where_the_profile_does_not_slice_it():
    patient = example("Patient-Patient1")  # C4BB Patient does not slice us-core-tribal-affiliation
    patient["extension"] = [{"url": US_CORE + "us-core-tribal-affiliation", "valueString": "F"}]
    assert codes_of(validate(patient)) == {
        ("required", "Patient.extension[0].extension"),
        ("required", "Patient.extension[0].extension:tribalAffiliation"),
        ("structure", "Patient.extension[0].valueString"),
    }
    assert validate_base(patient) == []  # the base layer knows no extension definitions


def test_must_support_elements_missing_are_warnings():
    eob = inpatient()
    issues = validate(eob)
    assert errors(issues) == []
    assert at(issues, "ExplanationOfBenefit.payee", "warning")
    assert at(issues, "ExplanationOfBenefit.adjudication:adjustmentreason", "warning")


def test_profile_checks_reach_bundle_entries_and_contained_resources():
    bundle = example("Bundle-c887e62f-6166-419f-8268-b5ecd6c7b901")
    del bundle["entry"][0]["resource"]["patient"]
    assert ("required", "Bundle.entry[0].resource.patient") in codes_of(validate(bundle))
    request = example("MedicationRequest-medicationrequest-contained-oral-axid")
    request["contained"][0]["meta"] = {"profile": [US_CORE + "us-core-medication"]}
    del request["contained"][0]["code"]
    assert ("required", "MedicationRequest.contained[0].code") in codes_of(validate(request))


def test_contained_reference_resolves_to_its_type():
    request = example("MedicationRequest-medicationrequest-contained-oral-axid")
    request["contained"][0]["resourceType"] = "Substance"
    request["contained"][0].pop("code")
    request["contained"][0]["code"] = {"text": "nizatidine"}
    assert ("structure", "MedicationRequest.medicationReference.reference") in codes_of(validate(request))


def test_every_error_names_an_element_path():
    eob = inpatient()
    eob["identifier"] = []
    eob["adjudication"] = without(eob["adjudication"], "benefitpaymentstatus")
    for issue in validate(eob):
        assert issue.path.startswith("ExplanationOfBenefit")
        assert issue.message
