"""Every official example validates with zero errors against the profiles it declares, and
the base layer agrees with the R4B models on them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sandbox.validation import known_profiles, validate, validate_base
from sandbox.validation.base import pydantic_issues
from sandbox.validation.definitions import shipped

from .fhir_examples import EXAMPLES, errors, example_files

FILES = example_files()


def _id(path: Path) -> str:
    return f"{path.parent.parent.name}/{path.stem}"


def test_the_official_examples_are_all_there():
    assert len(list(EXAMPLES.glob("us-core-6.1.0/examples/*.json"))) == 183
    assert len(list(EXAMPLES.glob("carin-bb-2.0.0/examples/*.json"))) == 32


@pytest.mark.parametrize("path", FILES, ids=_id)
def test_official_example_has_no_errors(path: Path):
    resource = json.loads(path.read_text())
    issues = validate(resource)
    assert errors(issues) == []


def _resources(resource: dict) -> list[dict]:
    found = [resource]
    for entry in resource.get("entry", []):
        if "resource" in entry:
            found.extend(_resources(entry["resource"]))
    for inner in resource.get("contained", []):
        found.extend(_resources(inner))
    return found


def test_profiles_claimed_by_the_examples_are_known_apart_from_sdc():
    known = set(known_profiles())
    claimed = {
        p.split("|")[0]
        for path in FILES
        for r in _resources(json.loads(path.read_text()))
        for p in r.get("meta", {}).get("profile", [])
    }
    assert claimed - known == {"http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire"}
    assert len(claimed & known) >= 55


def test_a_declared_profile_we_do_not_ship_is_a_warning_not_an_error():
    resource = json.loads((EXAMPLES / "us-core-6.1.0/examples/Questionnaire-phq-9-example.json").read_text())
    issues = validate(resource)
    assert [(i.severity, i.code) for i in issues if "sdc-questionnaire" in i.message] == [("warning", "not-supported")]


@pytest.mark.parametrize("path", FILES[::4], ids=_id)
def test_base_layer_and_r4b_models_both_accept_the_examples(path: Path):
    resource = json.loads(path.read_text())
    assert validate_base(resource) == []
    assert pydantic_issues(resource) == []


def test_known_profiles_lists_resource_profiles_and_extensions_without_versions():
    profiles = known_profiles()
    assert (
        "http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-ExplanationOfBenefit-Inpatient-Institutional"
        in profiles
    )
    assert "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race" in profiles
    assert all("|" not in p for p in profiles)
    assert len(profiles) == len(shipped().structure_definitions) == 70
