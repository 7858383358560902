"""Claim specifications and their adjudication (Original Medicare or the Medicare Advantage plan).

The story (``record.py``) describes each claim as a :class:`ClaimSpec` while it builds the clinical
record; the EOBs are built afterwards in date order so that deductibles accumulate the way a payer
applies them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .chart import Chart
from .codes_claims import MEDICARE_DEDUCTIBLES, SERVICES, Stay
from .codes_clinical import Drug
from .fhir import C4BB_CS, THO, cc, money

ADJ = THO + "adjudication"
C4BB_ADJ = C4BB_CS + "C4BBAdjudication"

# Amount categories: key -> (system, code, display) from the C4BBAdjudication value set.
CATEGORIES: dict[str, tuple[str, str, str]] = {
    "submitted": (ADJ, "submitted", "Submitted Amount"),
    "eligible": (ADJ, "eligible", "Eligible Amount"),
    "deductible": (ADJ, "deductible", "Deductible"),
    "copay": (ADJ, "copay", "CoPay"),
    "coinsurance": (C4BB_ADJ, "coinsurance", "Co-insurance"),
    "noncovered": (C4BB_ADJ, "noncovered", "Noncovered"),
    "paidtoprovider": (C4BB_ADJ, "paidtoprovider", "Paid to provider"),
    "memberliability": (C4BB_ADJ, "memberliability", "Member liability"),
}

PREVENTIVE = {"G0438", "G0439", "99392", "99393", "80048", "85025", "80061", "83036", "84443"}
MA_COPAYS = {"99213": 10.0, "99214": 10.0, "99285": 95.0, "93306": 50.0, "71046": 15.0, "93005": 0.0}
MA_SPECIALIST_COPAY = 40.0
MA_INPATIENT_DAILY = 295.0


@dataclass
class Line:
    service: str | None  # SERVICES key; None = a revenue line without a procedure code
    revenue: str | None = None
    quantity: float = 1
    when: date | None = None
    pos: str | None = None
    tooth: str | None = None
    surface: str | None = None
    charge: float | None = None
    dx: tuple[int, ...] = (1,)
    encounter_id: str | None = None


@dataclass
class ClaimSpec:
    kind: str  # inpatient | outpatient | professional | pharmacy | oral
    start: date
    end: date
    provider: dict[str, str]
    facility_kind: str
    lines: list[Line]
    diagnoses: list[str] = field(default_factory=list)  # ICD-10-CM codes, principal first
    admitting_dx: str | None = None
    attending: dict[str, str] | None = None
    operating: dict[str, str] | None = None
    referring: dict[str, str] | None = None
    rendering: dict[str, str] | None = None
    rendering_taxonomy: str | None = None
    specialist: bool = False
    stay: Stay | None = None
    nights: int = 0
    admission_type: str = "3"
    point_of_origin: str = "2"
    procedures: list[tuple[str, str, date]] = field(default_factory=list)
    drug: Drug | None = None
    request_id: str | None = None
    fill_number: int = 0
    refills_authorized: int = 0
    prescriber: dict[str, str] | None = None
    encounter_id: str | None = None


@dataclass
class Accumulator:
    """Deductibles met so far, by (coverage, year)."""

    met: dict[tuple[str, int], float] = field(default_factory=dict)

    def take(self, key: str, year: int, limit: float, amount: float) -> float:
        used = self.met.get((key, year), 0.0)
        take = max(0.0, min(limit - used, amount))
        self.met[(key, year)] = used + take
        return round(take, 2)


def coverage_key(chart: Chart, spec: ClaimSpec) -> str:
    if spec.kind == "pharmacy":
        return "part-d"
    if chart.on_ma(spec.start):
        return "ma"
    return "part-a" if spec.kind == "inpatient" else "part-b"


def line_charge(line: Line) -> tuple[float, float]:
    """(charge, allowed) of a line."""
    if line.service is None:
        charge = line.charge or 0.0
        return round(charge, 2), 0.0
    service = SERVICES[line.service]
    allowed = round(service.allowed * line.quantity, 2)
    return round(line.charge if line.charge is not None else allowed * service.markup, 2), allowed


def adjudicate_professional_line(
    chart: Chart, spec: ClaimSpec, line: Line, accum: Accumulator
) -> list[tuple[str, float]]:
    charge, allowed = line_charge(line)
    when = line.when or spec.start
    amounts: list[tuple[str, float]] = [("submitted", charge), ("eligible", allowed)]
    code = line.service or ""
    if chart.on_ma(when):
        copay = 0.0 if code in PREVENTIVE else MA_COPAYS.get(code, MA_SPECIALIST_COPAY if spec.specialist else 0.0)
        copay = min(copay, allowed)
        amounts += [("copay", copay), ("paidtoprovider", round(allowed - copay, 2)), ("memberliability", copay)]
        return amounts
    if code in PREVENTIVE or spec.kind == "inpatient":
        amounts += [("paidtoprovider", allowed), ("memberliability", 0.0)]
        return amounts
    deductible = accum.take("part-b", when.year, MEDICARE_DEDUCTIBLES[when.year][1], allowed)
    coinsurance = round((allowed - deductible) * 0.2, 2)
    paid = round(allowed - deductible - coinsurance, 2)
    amounts += [
        ("deductible", deductible),
        ("coinsurance", coinsurance),
        ("paidtoprovider", paid),
        ("memberliability", round(deductible + coinsurance, 2)),
    ]
    return amounts


def adjudicate_inpatient(chart: Chart, spec: ClaimSpec, accum: Accumulator) -> list[tuple[str, float]]:
    if spec.stay is None:
        raise ValueError("an inpatient claim needs its stay")
    charges = round(sum(line_charge(line)[0] for line in spec.lines), 2)
    allowed = spec.stay.drg_payment
    amounts: list[tuple[str, float]] = [("submitted", charges), ("eligible", allowed)]
    if chart.on_ma(spec.start):
        copay = MA_INPATIENT_DAILY * min(max(spec.nights, 1), 5)
        amounts += [("copay", copay), ("paidtoprovider", round(allowed - copay, 2)), ("memberliability", copay)]
        return amounts
    deductible = accum.take("part-a", spec.start.year, MEDICARE_DEDUCTIBLES[spec.start.year][0], allowed)
    amounts += [
        ("deductible", deductible),
        ("paidtoprovider", round(allowed - deductible, 2)),
        ("memberliability", deductible),
    ]
    return amounts


def adjudicate_pharmacy(spec: ClaimSpec) -> list[tuple[str, float]]:
    if spec.drug is None:
        raise ValueError("a pharmacy claim needs its drug")
    submitted = round(spec.drug.cost_90_days + 2.00, 2)
    copay = spec.drug.copay
    return [
        ("submitted", submitted),
        ("eligible", submitted),
        ("copay", copay),
        ("paidtoprovider", round(submitted - copay, 2)),
        ("memberliability", copay),
    ]


def adjudicate_oral_line(chart: Chart, spec: ClaimSpec, line: Line) -> tuple[list[tuple[str, float]], bool]:
    """Dental lines: the Medicare Advantage plan covers them; Original Medicare denies routine dental care."""
    charge, allowed = line_charge(line)
    when = line.when or spec.start
    if chart.on_ma(when):
        share = 0.0 if (line.service or "").startswith(("D0", "D1")) else round(allowed * 0.5, 2)
        return [
            ("submitted", charge),
            ("eligible", allowed),
            ("coinsurance", share),
            ("paidtoprovider", round(allowed - share, 2)),
            ("memberliability", share),
        ], False
    return [
        ("submitted", charge),
        ("noncovered", charge),
        ("paidtoprovider", 0.0),
        ("memberliability", charge),
    ], True


def amount_entries(amounts: list[tuple[str, float]]) -> list[dict[str, Any]]:
    out = []
    for key, value in amounts:
        system, code, display = CATEGORIES[key]
        out.append({"category": cc(system, code, display), "amount": money(value)})
    return out


def totals(item_amounts: list[list[tuple[str, float]]]) -> list[dict[str, Any]]:
    order: list[str] = []
    sums: dict[str, float] = {}
    for amounts in item_amounts:
        for key, value in amounts:
            if key not in sums:
                order.append(key)
                sums[key] = 0.0
            sums[key] += value
    return amount_entries([(key, round(sums[key], 2)) for key in order])
