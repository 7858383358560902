"""Patient, RelatedPerson and Coverage (Medicare Parts A, B, D and, for some, a Medicare Advantage plan)."""

from __future__ import annotations

from datetime import date, timedelta

from .chart import MA_START, Chart
from .codes_clinical import LANGUAGES
from .fhir import (
    BCP47,
    C4BB_CS,
    MBI_SYSTEM,
    OMB_RACE_ETHNICITY,
    SID,
    SOPT,
    THO,
    Resource,
    carin,
    cc,
    coding,
    day,
    instant,
    meta,
    ref,
    us_core,
)
from .people import FAMILY, GIVEN_FEMALE, GIVEN_MALE, STREETS
from .shared import MA_PLANS, PAYER_CMS, payer_ma_id

PATIENT_PROFILES = (carin("C4BB-Patient"), us_core("us-core-patient"))
COVERAGE_PROFILES = (carin("C4BB-Coverage"), us_core("us-core-coverage"))
RELATED_PERSON_PROFILES = (carin("C4BB-RelatedPerson"), us_core("us-core-relatedperson"))
US_CORE_EXT = "http://hl7.org/fhir/us/core/StructureDefinition/"
MEMBER_TYPE = cc(THO + "v2-0203", "MB", "Member Number")


def _race_extension(url: str, code: str, display: str) -> dict[str, object]:
    return {
        "url": US_CORE_EXT + url,
        "extension": [
            {"url": "ombCategory", "valueCoding": coding(OMB_RACE_ETHNICITY, code, display)},
            {"url": "text", "valueString": display},
        ],
    }


def patient(chart: Chart) -> Resource:
    d = chart.demo
    address = {
        "use": "home",
        "type": "physical",
        "line": [d.line],
        "city": d.city,
        "state": d.region.state,
        "postalCode": d.postal_code,
        "country": "US",
        "period": {"start": day(min(d.medicare_start, date(2015, 1, 1)) if d.cohort != "child" else d.birth_date)},
    }
    language = cc(BCP47, d.language, LANGUAGES[d.language], LANGUAGES[d.language])
    resource: Resource = {
        "resourceType": "Patient",
        "id": d.pid,
        "meta": meta(*PATIENT_PROFILES),
        "extension": [
            _race_extension("us-core-race", *d.race),
            _race_extension("us-core-ethnicity", *d.ethnicity),
            {"url": US_CORE_EXT + "us-core-birthsex", "valueCode": "F" if d.gender == "female" else "M"},
        ],
        "identifier": [
            {"type": MEMBER_TYPE, "system": MBI_SYSTEM, "value": d.mbi},
            {
                "type": cc(C4BB_CS + "C4BBIdentifierType", "um", "Unique Member ID"),
                "system": SID + "bene-id",
                "value": d.bene_id,
            },
        ],
        "active": True,
        "name": [{"use": "official", "family": d.family, "given": [d.given]}],
        "telecom": [
            {"system": "phone", "value": d.phone, "use": "home"},
            {"system": "email", "value": f"{d.given.lower()}.{d.family.lower()}{d.index}@mail.example", "use": "home"},
        ],
        "gender": d.gender,
        "birthDate": day(d.birth_date),
        "deceasedBoolean": False,
        "address": [address],
        "communication": [{"language": language, "preferred": True}],
    }
    chart.add(resource, instant(d.medicare_start), ref("Organization", PAYER_CMS))
    return resource


def related_person(chart: Chart) -> Resource:
    d = chart.demo
    rng = chart.rng
    if d.cohort == "child":
        relationship = ("MTH", "mother") if rng.random() < 0.6 else ("FTH", "father")
        given = rng.choice(GIVEN_FEMALE if relationship[0] == "MTH" else GIVEN_MALE)
        family = d.family
    else:
        relationship = rng.choice((("DAU", "daughter"), ("SON", "son"), ("SPS", "spouse")))
        given = rng.choice(GIVEN_MALE if relationship[0] == "SON" else GIVEN_FEMALE)
        family = d.family if relationship[0] != "DAU" or rng.random() < 0.5 else rng.choice(FAMILY)
    resource: Resource = {
        "resourceType": "RelatedPerson",
        "id": chart.new_id("RelatedPerson"),
        "meta": meta(*RELATED_PERSON_PROFILES),
        "active": True,
        "patient": chart.patient_ref(),
        "relationship": [cc(THO + "v3-RoleCode", relationship[0], relationship[1])],
        "name": [{"use": "official", "family": family, "given": [given]}],
        "telecom": [
            {"system": "phone", "value": f"{d.region.area_code}-555-01{rng.randrange(100):02d}", "use": "mobile"}
        ],
        "address": [
            {
                "use": "home",
                "line": [f"{rng.randrange(12, 9800)} {rng.choice(STREETS)}"],
                "city": d.city,
                "state": d.region.state,
                "postalCode": d.postal_code,
                "country": "US",
            }
        ],
    }
    chart.add(resource, instant(d.medicare_start), ref("Organization", PAYER_CMS))
    return resource


def _coverage(
    chart: Chart,
    key: str,
    start: date,
    payor: dict[str, str],
    sopt: tuple[str, str],
    group: tuple[str, str],
    plan: tuple[str, str],
    end: date | None = None,
) -> Resource:
    d = chart.demo
    rid = f"{chart.pid}-cov-{key}"
    period = {"start": day(start)}
    if end:
        period["end"] = day(end)
    resource: Resource = {
        "resourceType": "Coverage",
        "id": rid,
        "meta": meta(*COVERAGE_PROFILES),
        "identifier": [{"type": MEMBER_TYPE, "system": MBI_SYSTEM, "value": d.mbi}],
        "status": "active",
        "type": cc(SOPT, sopt[0], sopt[1], sopt[1]),
        "subscriber": chart.patient_ref(),
        "subscriberId": d.mbi,
        "beneficiary": chart.patient_ref(),
        "relationship": cc(THO + "subscriber-relationship", "self", "Self"),
        "period": period,
        "payor": [payor],
        "class": [
            {"type": cc(THO + "coverage-class", "group", "Group"), "value": group[0], "name": group[1]},
            {"type": cc(THO + "coverage-class", "plan", "Plan"), "value": plan[0], "name": plan[1]},
        ],
    }
    chart.coverage[key] = rid
    chart.add(resource, instant(start), payor if "display" not in payor else {"reference": payor["reference"]})
    return resource


def coverages(chart: Chart) -> list[Resource]:
    d = chart.demo
    cms = ref("Organization", PAYER_CMS, "Centers for Medicare & Medicaid Services")
    ffs = ("121", "Medicare FFS")
    out = [
        _coverage(
            chart,
            "part-a",
            d.medicare_start,
            cms,
            ffs,
            ("Medicare", "Original Medicare"),
            ("Part A", "Medicare Part A (Hospital Insurance)"),
        ),
        _coverage(
            chart,
            "part-b",
            d.medicare_start,
            cms,
            ffs,
            ("Medicare", "Original Medicare"),
            ("Part B", "Medicare Part B (Medical Insurance)"),
        ),
    ]
    part_d_start = max(d.medicare_start, date(2006, 1, 1))
    part_d_start = date(part_d_start.year, part_d_start.month, 1) + timedelta(days=0)
    contract = {"pa": "S5921", "md": "S4802", "oh": "S7126"}[chart.region]
    out.append(
        _coverage(
            chart,
            "part-d",
            part_d_start,
            cms,
            ("122", "Medicare Drug Benefit"),
            ("Part D", "Medicare Prescription Drug Coverage"),
            (f"{contract}-001", "Medicare Part D Basic Plan"),
        )
    )
    if chart.medicare_advantage:
        name, contract_ma, pbp, _naic, kind, _street = MA_PLANS[chart.region]
        sopt = ("111", "Medicare HMO") if kind == "HMO" else ("112", "Medicare PPO")
        out.append(
            _coverage(
                chart,
                "ma",
                MA_START,
                ref("Organization", payer_ma_id(chart.region), name),
                sopt,
                (contract_ma, name),
                (f"{contract_ma}-{pbp}", f"{name} {kind} (Part C)"),
            )
        )
    return out
