"""The official US Core / CARIN BB examples (tests/fixtures/fhir-igs) and small helpers for the
validator tests. Each call returns a fresh copy, so a test may break it freely."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from sandbox.validation import Issue

EXAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "fhir-igs"
CARIN = "http://hl7.org/fhir/us/carin-bb/StructureDefinition/"
US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"


def example_files() -> list[Path]:
    return sorted(EXAMPLES.glob("*/examples/*.json"))


@cache
def _load(name: str) -> dict[str, Any]:
    matches = list(EXAMPLES.glob(f"*/examples/{name}.json"))
    if len(matches) != 1:
        raise LookupError(name)
    return json.loads(matches[0].read_text())


def example(name: str) -> dict[str, Any]:
    """A fresh copy of an example by file name without ``.json``: ``ExplanationOfBenefit-EOBInpatient1``."""
    return copy.deepcopy(_load(name))


def errors(issues: list[Issue]) -> list[Issue]:
    return [i for i in issues if i.severity == "error"]


def at(issues: list[Issue], path: str, severity: str = "error") -> list[Issue]:
    return [i for i in issues if i.path == path and i.severity == severity]


def codes_of(issues: list[Issue]) -> set[tuple[str, str]]:
    """(code, path) of the errors."""
    return {(i.code, i.path) for i in errors(issues)}
