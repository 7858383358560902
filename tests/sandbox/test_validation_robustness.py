"""Whatever a partner pushes, the validator answers with issues and never raises."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest

from sandbox.validation import validate, validate_base
from sandbox.validation.base import pydantic_issues

from .fhir_examples import example

JUNK: list[Any] = [None, "x", 1, -5, 1.5, True, [], {}, ["x"], [{}], [None], [[1]], {"x": 1}, {"coding": "x"}]
JUNK += [{"coding": [{"code": {}}]}, {"reference": 5}, {"reference": "#nowhere"}, "urn:uuid:zz"]
SOURCES = [
    "ExplanationOfBenefit-EOBInpatient1",
    "ExplanationOfBenefit-EOBOral1",
    "ExplanationOfBenefit-EOBProfessionalTransportation1",
    "Patient-example",
    "Patient-Patient1",
    "Observation-blood-pressure",
    "Bundle-c887e62f-6166-419f-8268-b5ecd6c7b901",
    "MedicationRequest-medicationrequest-contained-oral-axid",
]


def _slots(node: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) whose value could be replaced."""
    found: list[tuple[Any, Any]] = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        if key != "text":
            found.append((node, key))
            found.extend(_slots(value))
    return found


@pytest.mark.parametrize("name", SOURCES)
def test_mutated_examples_never_raise(name: str):
    rng = random.Random(name)
    original = example(name)
    for _ in range(40):
        resource = copy.deepcopy(original)
        for _ in range(rng.randint(1, 3)):
            container, key = rng.choice(_slots(resource))
            container[key] = copy.deepcopy(rng.choice(JUNK))
        issues = validate(resource)
        assert all(i.path and i.message for i in issues)


@pytest.mark.parametrize(
    "thing", [None, "Patient", 5, [], {}, {"resourceType": 5}, {"resourceType": "Patient", "meta": 1}]
)
def test_not_a_resource_at_all(thing: Any):
    assert any(i.severity == "error" for i in validate_base(thing))
    assert any(i.severity == "error" for i in validate(thing))


def test_profiles_that_are_not_strings():
    issues = validate(example("Patient-example"), profiles=[5])
    assert [(i.severity, i.code) for i in issues if i.severity == "error"] == [("error", "value")]


DIFFERENTIAL_JUNK: list[Any] = [None, "x", 1, -5, 1.5, True, [], {}, ["x"], [{}], {"x": 1}, "", "2020-13-01", 2**40]


@pytest.mark.parametrize("name", SOURCES[:5])
def test_the_walk_rejects_whatever_the_r4b_models_reject(name: str):
    """The fast walk stands in for pydantic: on mutated examples it must never be the laxer one."""
    rng = random.Random(f"differential {name}")
    original = example(name)
    for _ in range(30):
        resource = copy.deepcopy(original)
        container, key = rng.choice(_slots(resource))
        container[key] = copy.deepcopy(rng.choice(DIFFERENTIAL_JUNK))
        if pydantic_issues(resource):
            assert validate_base(resource), (container, key)
