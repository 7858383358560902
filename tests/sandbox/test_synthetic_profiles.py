"""Synthetic data carries its profiles' required slices, fixed codes and versioned profile URLs."""

from __future__ import annotations

from tests.sandbox.synthetic_data import codes, lake, profiles

C4BB = "http://hl7.org/fhir/us/carin-bb/"
SUPPORTING = C4BB + "CodeSystem/C4BBSupportingInfoType"
DISCRIMINATOR = C4BB + "CodeSystem/C4BBAdjudicationDiscriminator"
REQUIRED_SUPPORTING_INFO = {
    "C4BB-ExplanationOfBenefit-Inpatient-Institutional": {
        "admissionperiod", "clmrecvddate", "typeofbill", "pointoforigin", "admtype", "discharge-status", "drg",
    },
    "C4BB-ExplanationOfBenefit-Outpatient-Institutional": {
        "clmrecvddate", "typeofbill", "pointoforigin", "admtype", "discharge-status",
    },
    "C4BB-ExplanationOfBenefit-Professional-NonClinician": {"clmrecvddate", "servicefacility"},
    "C4BB-ExplanationOfBenefit-Pharmacy": {
        "dayssupply", "dawcode", "refillnum", "refillsauthorized", "brandgenericindicator", "rxorigincode",
        "clmrecvddate", "compoundcode",
    },
    "C4BB-ExplanationOfBenefit-Oral": {"clmrecvddate", "servicefacility"},
}  # fmt: skip


def _of(resource_type: str):
    return [r for r in lake() if r["resourceType"] == resource_type]


def test_profiles_are_versioned():
    for r in lake():
        for url in r["meta"]["profile"]:
            assert url.endswith(("|6.1.0", "|2.0.0")), url


def test_eob_slices():
    for eob in _of("ExplanationOfBenefit"):
        (profile,) = profiles(eob)
        unique = [i for i in eob["identifier"] if codes(i["type"], C4BB + "CodeSystem/C4BBIdentifierType") == {"uc"}]
        assert len(unique) == 1 and unique[0]["value"]
        info = {code for s in eob["supportingInfo"] for code in codes(s["category"], SUPPORTING)}
        assert info >= REQUIRED_SUPPORTING_INFO[profile], (eob["id"], REQUIRED_SUPPORTING_INFO[profile] - info)
        header = [code for a in eob["adjudication"] for code in codes(a["category"], DISCRIMINATOR)]
        if profile.endswith(("Institutional", "Pharmacy")):
            assert header.count("benefitpaymentstatus") == 1
        if profile.endswith("Oral"):
            assert header.count("renderingnetworkstatus") == 1 and "benefitpaymentstatus" in header
        if profile.endswith(("Professional-NonClinician", "Oral")):
            for item in eob["item"]:
                statuses = [code for a in item["adjudication"] for code in codes(a["category"], DISCRIMINATOR)]
                assert statuses.count("benefitpaymentstatus") == 1
                assert "locationCodeableConcept" in item
        header_amounts = any("amount" in a for a in eob["adjudication"])
        item_amounts = any("amount" in a for item in eob["item"] for a in item.get("adjudication", []))
        if profile.endswith("Institutional"):
            assert header_amounts != item_amounts, eob["id"]  # EOB-institutional-item-or-header-adjudication
        assert eob["insurance"][0]["focal"] is True
        assert eob["total"] and eob["diagnosis" if not profile.endswith(("Pharmacy", "Oral")) else "item"]


def test_patient_and_coverage_member_ids():
    for patient in _of("Patient"):
        member = [i for i in patient["identifier"] if codes(i["type"]) == {"MB"}]
        assert len(member) == 1 and member[0]["system"] and member[0]["value"]
        assert {e["url"].rsplit("/", 1)[1] for e in patient["extension"]} == {
            "us-core-race",
            "us-core-ethnicity",
            "us-core-birthsex",
        }
    for coverage in _of("Coverage"):
        member = [i for i in coverage["identifier"] if codes(i["type"]) == {"MB"}]
        assert len(member) == 1 and coverage["subscriberId"] == member[0]["value"]
        assert {c["type"]["coding"][0]["code"] for c in coverage["class"]} == {"group", "plan"}


def test_observation_category_slices():
    expected = {
        "us-core-observation-lab": "laboratory",
        "us-core-smokingstatus": "social-history",
        "us-core-observation-screening-assessment": "survey",
        "us-core-observation-clinical-result": "procedure",
    }
    for obs in _of("Observation"):
        (profile,) = profiles(obs)
        categories = {
            code
            for c in obs["category"]
            for code in codes(c, "http://terminology.hl7.org/CodeSystem/observation-category")
        }
        assert expected.get(profile, "vital-signs") in categories, obs["id"]
        if "vital-signs" in categories:
            assert "valueQuantity" in obs or len(obs["component"]) == 2
            quantities = (
                [obs["valueQuantity"]] if "valueQuantity" in obs else [c["valueQuantity"] for c in obs["component"]]
            )
            assert all(q["system"] == "http://unitsofmeasure.org" and q["code"] for q in quantities)
        if profile == "us-core-pulse-oximetry":
            assert codes(obs["code"]) == {"2708-6", "59408-5"}


def test_other_fixed_slices():
    for report in _of("DiagnosticReport"):
        if "us-core-diagnosticreport-lab" in profiles(report):
            assert codes(report["category"][0]) == {"LAB"}
    for condition in _of("Condition"):
        category = {code for c in condition["category"] for code in codes(c)}
        assert category & {"encounter-diagnosis", "problem-list-item", "health-concern"}
    for plan in _of("CarePlan"):
        assert codes(plan["category"][0]) == {"assess-plan"} and plan["text"]["div"].startswith("<div xmlns=")
    for doc in _of("DocumentReference"):
        assert doc["content"][0]["attachment"]["data"] and codes(doc["category"][0]) == {"clinical-note"}
    for prov in _of("Provenance"):
        assert {code for a in prov["agent"] for code in codes(a["type"])} == {"author", "transmitter"}
