"""Slicing rules the shipped guides do not exercise (exists, profile and type discriminators
on lists, closed and ordered slicing), through small hand-made profiles."""

from __future__ import annotations

from typing import Any

from sandbox.validation import validate
from sandbox.validation.definitions import shipped

from .fhir_examples import US_CORE, codes_of, errors, example

TEST = "http://example.org/fhir/StructureDefinition/"


def element(eid: str, mn: int, mx: str, *types: str, **more: Any) -> dict[str, Any]:
    path = ".".join(part.split(":")[0] for part in eid.split("."))
    found: dict[str, Any] = {"id": eid, "path": path, "min": mn, "max": mx, **more}
    if types:
        found["type"] = [{"code": t} for t in types]
    if ":" in eid.rsplit(".", 1)[-1]:
        found["sliceName"] = eid.rsplit(":", 1)[-1]
    return found


def profile(name: str, rtype: str, *elements: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "StructureDefinition",
        "url": TEST + name,
        "name": name,
        "status": "draft",
        "kind": "resource",
        "abstract": False,
        "type": rtype,
        "derivation": "constraint",
        "snapshot": {"element": [element(rtype, 0, "*"), *elements]},
    }


def check(resource: dict[str, Any], sd: dict[str, Any]) -> set[tuple[str, str]]:
    return codes_of(validate(resource, profiles=[sd["url"]], definitions=shipped().extended([sd])))


EXISTS = profile(
    "IdentifierByPeriod",
    "Patient",
    element(
        "Patient.identifier",
        0,
        "*",
        "Identifier",
        slicing={"discriminator": [{"type": "exists", "path": "period"}], "rules": "closed", "ordered": True},
    ),
    element("Patient.identifier:dated", 1, "1", "Identifier"),
    element("Patient.identifier:dated.period", 1, "1", "Period"),
    element("Patient.identifier:undated", 0, "1", "Identifier"),
    element("Patient.identifier:undated.period", 0, "0", "Period"),
)


def patient(*identifiers: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Patient", "identifier": list(identifiers)}


DATED = {"value": "a", "period": {"start": "2020-01-01"}}
UNDATED = {"value": "b"}


def test_exists_discriminator_sorts_items_into_slices():
    assert check(patient(DATED, UNDATED), EXISTS) == set()
    assert check(patient(UNDATED), EXISTS) == {("required", "Patient.identifier:dated")}
    assert check(patient(DATED, UNDATED, UNDATED), EXISTS) == {("structure", "Patient.identifier:undated")}


def test_ordered_slicing_wants_the_profiles_order():
    assert check(patient(UNDATED, DATED), EXISTS) == {("structure", "Patient.identifier[1]")}


def test_closed_slicing_rejects_what_fits_no_slice():
    sd = profile(
        "ClosedCategory",
        "Observation",
        element(
            "Observation.category",
            0,
            "*",
            "CodeableConcept",
            slicing={"discriminator": [{"type": "pattern", "path": "$this"}], "rules": "closed"},
        ),
        element(
            "Observation.category:lab",
            0,
            "1",
            "CodeableConcept",
            patternCodeableConcept={
                "coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}
                ]
            },
        ),
    )
    observation = example("Observation-serum-sodium")
    assert check(observation, sd) == set()
    observation["category"].append({"text": "something else"})
    index = len(observation["category"]) - 1
    assert check(observation, sd) == {("structure", f"Observation.category[{index}]")}


def test_profile_discriminator_runs_the_slice_profile():
    sd = profile(
        "RaceRequired",
        "Patient",
        element(
            "Patient.extension",
            0,
            "*",
            "Extension",
            slicing={"discriminator": [{"type": "profile", "path": "$this"}], "rules": "open"},
        ),
        {
            **element("Patient.extension:race", 1, "1"),
            "type": [{"code": "Extension", "profile": [US_CORE + "us-core-race"]}],
        },
    )
    amy = example("Patient-example")
    assert check(amy, sd) == set()
    race = next(e for e in amy["extension"] if e["url"].endswith("us-core-race"))
    race["extension"] = [e for e in race["extension"] if e["url"] != "text"]  # no longer conforms
    assert ("required", "Patient.extension:race") in check(amy, sd)


def test_required_slice_of_an_absent_optional_element():
    sd = profile(
        "RaceRequiredByUrl",
        "Patient",
        element(
            "Patient.extension",
            0,
            "*",
            "Extension",
            slicing={"discriminator": [{"type": "value", "path": "url"}], "rules": "open"},
        ),
        {
            **element("Patient.extension:race", 1, "1"),
            "type": [{"code": "Extension", "profile": [US_CORE + "us-core-race"]}],
        },
    )
    assert check({"resourceType": "Patient", "active": True}, sd) == {("required", "Patient.extension:race")}


def test_type_discriminator_on_bundle_entries():
    sd = profile(
        "NeedsAPatient",
        "Bundle",
        element(
            "Bundle.entry",
            0,
            "*",
            "BackboneElement",
            slicing={"discriminator": [{"type": "type", "path": "resource"}], "rules": "open"},
        ),
        element("Bundle.entry:patient", 1, "1", "BackboneElement"),
        element("Bundle.entry:patient.resource", 1, "1", "Patient"),
    )
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": example("Patient-example")}]}
    assert check(bundle, sd) == set()
    bundle["entry"] = [{"resource": example("Organization-acme-lab")}]
    assert check(bundle, sd) == {("required", "Bundle.entry:patient")}


def test_value_discriminator_on_two_paths_vital_signs_category():
    weight = example("Observation-weight")
    weight["category"][0]["coding"][0]["code"] = "laboratory"
    assert ("required", "Observation.category:VSCat") in codes_of(validate(weight))


def test_resolve_discriminators_are_reported_not_guessed():
    sd = profile(
        "ByTarget",
        "Observation",
        element(
            "Observation.performer",
            0,
            "*",
            "Reference",
            slicing={"discriminator": [{"type": "type", "path": "resolve()"}], "rules": "open"},
        ),
        element("Observation.performer:who", 1, "1", "Reference"),
    )
    observation = example("Observation-serum-sodium")
    observation["performer"] = [{"reference": "Practitioner/practitioner-1"}]
    issues = validate(observation, profiles=[sd["url"]], definitions=shipped().extended([sd]))
    assert errors(issues) == []
    assert [(i.severity, i.code, i.path) for i in issues if i.code == "not-supported"] == [
        ("information", "not-supported", "Observation.performer:who")
    ]
