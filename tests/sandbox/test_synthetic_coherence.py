"""Synthetic data tells one story: claims agree with the clinical record, amounts add up, dates make sense."""

from __future__ import annotations

from collections import defaultdict

from sandbox.synthetic.people import npi_is_valid
from tests.sandbox.synthetic_data import by_key, by_patient, codes, lake, of_type, profiles

ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
NDC = "http://hl7.org/fhir/sid/ndc"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def _eobs_of(kind: str):
    for pid, resources in by_patient().items():
        for eob in of_type(resources, "ExplanationOfBenefit"):
            if f"C4BB-ExplanationOfBenefit-{kind}" in profiles(eob):
                yield pid, resources, eob


def test_claim_diagnoses_are_conditions_of_the_same_patient():
    checked = 0
    for pid, resources in by_patient().items():
        condition_codes = {code for c in of_type(resources, "Condition") for code in codes(c["code"], ICD10CM)}
        for eob in of_type(resources, "ExplanationOfBenefit"):
            assert eob["patient"]["reference"] == f"Patient/{pid}"
            for dx in eob.get("diagnosis", []):
                code = dx["diagnosisCodeableConcept"]["coding"][0]["code"]
                assert code in condition_codes, (eob["id"], code)
                checked += 1
    assert checked > 1000


def test_inpatient_claims_point_at_their_inpatient_encounter():
    n = 0
    for pid, _resources, eob in _eobs_of("Inpatient-Institutional"):
        encounters = {e["reference"] for item in eob["item"] for e in item.get("encounter", [])}
        assert len(encounters) == 1, eob["id"]
        encounter = by_key()[encounters.pop()]
        assert encounter["subject"]["reference"] == f"Patient/{pid}"
        assert encounter["class"]["code"] == "IMP"
        assert encounter["period"]["start"][:10] == eob["billablePeriod"]["start"]
        assert encounter["period"]["end"][:10] == eob["billablePeriod"]["end"]
        reason = by_key()[encounter["reasonReference"][0]["reference"]]
        principal = eob["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0]["code"]
        assert principal in codes(reason["code"], ICD10CM)
        n += 1
    assert n >= 30


def test_pharmacy_claims_match_a_dispense_of_their_prescription():
    n = 0
    for pid, resources, eob in _eobs_of("Pharmacy"):
        request = by_key()[eob["prescription"]["reference"]]
        assert request["subject"]["reference"] == f"Patient/{pid}"
        ndc = eob["item"][0]["productOrService"]["coding"][0]["code"]
        served = eob["item"][0]["servicedDate"]
        matches = [
            d
            for d in of_type(resources, "MedicationDispense")
            if d["authorizingPrescription"][0]["reference"] == eob["prescription"]["reference"]
            and ndc in codes(d["medicationCodeableConcept"], NDC)
            and d["whenHandedOver"][:10] == served
        ]
        assert len(matches) == 1, eob["id"]
        rxnorm = codes(matches[0]["medicationCodeableConcept"], RXNORM)
        medication = (
            request.get("medicationCodeableConcept") or by_key()[request["medicationReference"]["reference"]]["code"]
        )
        assert rxnorm == codes(medication, RXNORM)
        n += 1
    dispenses = sum(len(of_type(r, "MedicationDispense")) for r in by_patient().values())
    assert n == dispenses


def test_lab_results_belong_to_a_lab_report_with_its_specimen():
    for resources in by_patient().values():
        labs = [o for o in of_type(resources, "Observation") if "us-core-observation-lab" in profiles(o)]
        reported = {
            ref["reference"]: report
            for report in of_type(resources, "DiagnosticReport")
            if "us-core-diagnosticreport-lab" in profiles(report)
            for ref in report["result"]
        }
        for obs in labs:
            report = reported[f"Observation/{obs['id']}"]
            assert report["specimen"][0] == obs["specimen"]
            assert report["effectiveDateTime"] == obs["effectiveDateTime"]


def test_adjudication_amounts_add_up():
    for eob in (r for r in lake() if r["resourceType"] == "ExplanationOfBenefit"):
        sums: dict[str, float] = defaultdict(float)
        for item in eob["item"]:
            for adj in item.get("adjudication", []):
                if "amount" in adj:
                    sums[adj["category"]["coding"][0]["code"]] += adj["amount"]["value"]
        if not sums:  # inpatient: amounts are at the header
            for adj in eob["adjudication"]:
                if "amount" in adj:
                    sums[adj["category"]["coding"][0]["code"]] += adj["amount"]["value"]
        totals = {t["category"]["coding"][0]["code"]: t["amount"]["value"] for t in eob["total"]}
        assert totals.keys() == sums.keys(), eob["id"]
        for code, value in sums.items():
            assert abs(totals[code] - value) < 0.01, (eob["id"], code)
        liability = totals["memberliability"]
        if "eligible" in totals:
            assert abs(totals["eligible"] - totals["paidtoprovider"] - liability) < 0.01, eob["id"]
        else:  # denied: the member owes the charge
            assert totals["paidtoprovider"] == 0 and abs(totals["submitted"] - liability) < 0.01
        assert abs(eob["payment"]["amount"]["value"] - totals["paidtoprovider"]) < 0.01


def test_dates_make_sense():
    for pid, resources in by_patient().items():
        birth = resources[0]["birthDate"]
        for eob in of_type(resources, "ExplanationOfBenefit"):
            start, end = eob["billablePeriod"]["start"], eob["billablePeriod"]["end"]
            assert "2022-01-01" <= start <= end <= eob["created"][:10] <= eob["payment"]["date"] <= "2025-12-31"
            coverage = by_key()[eob["insurance"][0]["coverage"]["reference"]]
            assert coverage["period"]["start"] <= start
            for item in eob["item"]:
                assert start <= item.get("servicedDate", start) <= end
        for cond in of_type(resources, "Condition"):
            assert birth <= cond["onsetDateTime"] <= cond["recordedDate"][:10]
        for enc in of_type(resources, "Encounter"):
            assert enc["period"]["start"] <= enc["period"]["end"]
        for request in of_type(resources, "MedicationRequest"):
            fills = [
                d
                for d in of_type(resources, "MedicationDispense")
                if d["authorizingPrescription"][0]["reference"].endswith(request["id"])
            ]
            assert len(fills) == request["dispenseRequest"]["numberOfRepeatsAllowed"] + 1
            assert all(request["authoredOn"] < d["whenHandedOver"] for d in fills), pid


def test_npis_pass_the_luhn_check():
    npis = [
        ident["value"]
        for r in lake()
        for ident in r.get("identifier", [])
        if isinstance(ident, dict) and ident.get("system") == "http://hl7.org/fhir/sid/us-npi"
    ]
    assert len(npis) > 40 and len(set(npis)) == len(npis)
    assert all(npi_is_valid(npi) for npi in npis)
    assert npi_is_valid("1234567893") and not npi_is_valid("1234567890")
