"""The per-beneficiary build context: ids, references, the random stream and the output list.

Every id a beneficiary owns starts with its Patient id: ``bb-00042``, ``bb-00042-eob-007``,
``bb-00042-obs-013``... (``<patient>-<abbreviation>-<nnn>``); the abbreviation names the type, so ids
never collide across types and the Provenance of any resource is ``<id>-prov``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .codes_clinical import Problem
from .fhir import Resource, instant, ref
from .people import Demographics
from .provenance import provenance
from .shared import PAYER_CMS, org_id, payer_ma_id, practitioner_ref

HISTORY_START = date(2022, 1, 1)
HISTORY_END = date(2025, 6, 30)
MA_START = date(2024, 1, 1)

# Resource type -> id abbreviation.
ABBREVIATIONS: dict[str, str] = {
    "RelatedPerson": "rp",
    "Coverage": "cov",
    "ExplanationOfBenefit": "eob",
    "Encounter": "enc",
    "Condition": "cond",
    "Observation": "obs",
    "DiagnosticReport": "dr",
    "DocumentReference": "doc",
    "AllergyIntolerance": "alg",
    "Immunization": "imm",
    "MedicationRequest": "mrx",
    "MedicationDispense": "mdsp",
    "Procedure": "proc",
    "CarePlan": "cp",
    "CareTeam": "ct",
    "Goal": "goal",
    "ServiceRequest": "sr",
    "Specimen": "spec",
    "Device": "dev",
}


@dataclass
class ProblemEntry:
    problem: Problem
    condition_id: str
    onset: date


@dataclass
class Chart:
    demo: Demographics
    rng: random.Random
    medicare_advantage: bool
    resources: list[Resource] = field(default_factory=list)
    recorded: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)
    problems: dict[str, ProblemEntry] = field(default_factory=dict)
    coverage: dict[str, str] = field(default_factory=dict)
    conditions_by_icd: dict[str, str] = field(default_factory=dict)

    @property
    def pid(self) -> str:
        return self.demo.pid

    @property
    def region(self) -> str:
        return self.demo.region.key

    @property
    def child(self) -> bool:
        return self.demo.cohort == "child"

    def new_id(self, resource_type: str) -> str:
        abbr = ABBREVIATIONS[resource_type]
        n = self.counters.get(abbr, 0) + 1
        self.counters[abbr] = n
        return f"{self.pid}-{abbr}-{n:03d}"

    def add(self, resource: Resource, recorded: str, author: dict[str, str]) -> Resource:
        self.resources.append(resource)
        self.recorded.append((recorded, author))
        return resource

    def patient_ref(self) -> dict[str, str]:
        return ref("Patient", self.pid, self.demo.name)

    def on_ma(self, when: date) -> bool:
        return self.medicare_advantage and when >= MA_START

    def payer_ref(self, when: date) -> dict[str, str]:
        if self.on_ma(when):
            return ref("Organization", payer_ma_id(self.region))
        return ref("Organization", PAYER_CMS, "Centers for Medicare & Medicaid Services")

    def org(self, kind: str) -> dict[str, str]:
        return {"reference": f"Organization/{org_id(self.region, kind)}"}

    def practitioner(self, role: str) -> dict[str, str]:
        return practitioner_ref(self.region, role)

    @property
    def pcp_role(self) -> str:
        if self.child:
            return "peds"
        return "pcp1" if self.demo.index % 2 == 0 else "pcp2"

    def uniform_time(self, d: date, start_hour: int = 8, end_hour: int = 17) -> str:
        return instant(d, self.rng.randrange(start_hour, end_hour), self.rng.choice((0, 15, 30, 45)))

    def provenances(self) -> list[Resource]:
        out = []
        for resource, (recorded, author) in zip(self.resources, self.recorded, strict=True):
            when = date.fromisoformat(recorded[:10])
            out.append(provenance(resource, recorded, author, self.payer_ref(when)))
        return out


def age_on(birth: date, when: date) -> float:
    """Age in years (fractional)."""
    return (when - birth).days / 365.25


def months_old(birth: date, when: date) -> int:
    months = (when.year - birth.year) * 12 + when.month - birth.month
    if when.day < birth.day:
        months -= 1
    return months


def pick(rng: random.Random, weighted: tuple[tuple[Any, int], ...]) -> Any:
    total = sum(w for _, w in weighted)
    x = rng.random() * total
    for item, w in weighted:
        x -= w
        if x < 0:
            return item
    return weighted[-1][0]
