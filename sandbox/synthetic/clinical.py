"""Conditions, encounters, procedures, devices, allergies and immunizations."""

from __future__ import annotations

from datetime import date, timedelta

from .chart import Chart
from .codes_clinical import ACUTE, ALLERGIES, DEVICES, ENCOUNTER_TYPES, VACCINES, Acute, Problem
from .fhir import (
    CPT,
    CVX,
    ICD10CM,
    ICD10PCS,
    SCT,
    SID,
    THO,
    US_CORE_CS,
    US_CORE_DISCHARGE,
    Resource,
    cc,
    cc_multi,
    coding,
    day,
    instant,
    meta,
    ref,
    us_core,
)
from .shared import location_id, org_name

CLINICAL = cc(THO + "condition-clinical", "active", "Active")
RESOLVED = cc(THO + "condition-clinical", "resolved", "Resolved")
CONFIRMED = cc(THO + "condition-ver-status", "confirmed", "Confirmed")
PROBLEM_LIST = cc(THO + "condition-category", "problem-list-item", "Problem List Item")
HEALTH_CONCERN = cc(US_CORE_CS + "condition-category", "health-concern", "Health Concern")
ENCOUNTER_DX = cc(THO + "condition-category", "encounter-diagnosis", "Encounter Diagnosis")
SDOH = cc(US_CORE_CS + "us-core-category", "sdoh", "SDOH")
ASSERTED = "http://hl7.org/fhir/StructureDefinition/condition-assertedDate"


def _condition_code(icd10: str, icd_display: str, snomed: str | None, sct_display: str | None) -> dict[str, object]:
    codings = []
    if snomed and sct_display:
        codings.append(coding(SCT, snomed, sct_display))
    codings.append(coding(ICD10CM, icd10, icd_display))
    return cc_multi(*codings, text=icd_display)


def problem_condition(chart: Chart, problem: Problem, onset: date, recorded: date) -> Resource:
    rid = chart.new_id("Condition")
    resource: Resource = {
        "resourceType": "Condition",
        "id": rid,
        "meta": meta(us_core("us-core-condition-problems-health-concerns")),
        "extension": [{"url": ASSERTED, "valueDateTime": day(recorded)}],
        "clinicalStatus": CLINICAL,
        "verificationStatus": CONFIRMED,
        "category": [PROBLEM_LIST],
        "code": _condition_code(problem.icd10, problem.icd10_display, problem.snomed, problem.snomed_display),
        "subject": chart.patient_ref(),
        "onsetDateTime": day(onset),
        "recordedDate": chart.uniform_time(recorded),
        "recorder": chart.practitioner(chart.pcp_role),
    }
    chart.conditions_by_icd[problem.icd10] = rid
    return chart.add(resource, resource["recordedDate"], chart.org("clinic"))


def health_concern(chart: Chart, concern: Acute, when: date, evidence: list[str]) -> Resource:
    rid = chart.new_id("Condition")
    resource: Resource = {
        "resourceType": "Condition",
        "id": rid,
        "meta": meta(us_core("us-core-condition-problems-health-concerns")),
        "extension": [{"url": ASSERTED, "valueDateTime": day(when)}],
        "clinicalStatus": CLINICAL,
        "verificationStatus": CONFIRMED,
        "category": [HEALTH_CONCERN, SDOH],
        "code": _condition_code(concern.icd10, concern.icd10_display, concern.snomed, concern.snomed_display),
        "subject": chart.patient_ref(),
        "onsetDateTime": day(when),
        "recordedDate": chart.uniform_time(when),
        "evidence": [{"detail": [ref("Observation", oid) for oid in evidence]}],
    }
    chart.conditions_by_icd[concern.icd10] = rid
    return chart.add(resource, resource["recordedDate"], chart.org("clinic"))


def encounter_condition(chart: Chart, key: str, encounter_id: str, onset: date, resolved: date | None) -> Resource:
    acute = ACUTE[key]
    rid = chart.new_id("Condition")
    resource: Resource = {
        "resourceType": "Condition",
        "id": rid,
        "meta": meta(us_core("us-core-condition-encounter-diagnosis")),
        "extension": [{"url": ASSERTED, "valueDateTime": day(onset)}],
        "clinicalStatus": RESOLVED if resolved else CLINICAL,
        "verificationStatus": CONFIRMED,
        "category": [ENCOUNTER_DX],
        "code": _condition_code(acute.icd10, acute.icd10_display, acute.snomed, acute.snomed_display),
        "subject": chart.patient_ref(),
        "encounter": ref("Encounter", encounter_id),
        "onsetDateTime": day(onset),
        "recordedDate": chart.uniform_time(onset),
    }
    if resolved:
        resource["abatementDateTime"] = day(resolved)
    chart.conditions_by_icd[acute.icd10] = rid
    return chart.add(resource, resource["recordedDate"], chart.org("hospital"))


def encounter(
    chart: Chart,
    *,
    kind: str,
    start: date,
    end: date | None = None,
    practitioner_role: str,
    org_kind: str,
    cpt: tuple[str, str] | None,
    reasons: list[str],
    admit_from_ed: bool = False,
) -> Resource:
    """An encounter: ``kind`` is ``checkup``, ``well_child``, ``emergency`` or ``admission``."""
    rid = chart.new_id("Encounter")
    act = {"emergency": ("EMER", "emergency"), "admission": ("IMP", "inpatient encounter")}.get(
        kind, ("AMB", "ambulatory")
    )
    sct_code, sct_display = ENCOUNTER_TYPES[kind]
    type_codings = [coding(SCT, sct_code, sct_display)]
    if cpt:
        type_codings.append(coding(CPT, cpt[0], cpt[1]))
    start_time = chart.uniform_time(start, 7, 16)
    end_day = end or start
    end_time = (
        chart.uniform_time(end_day, 17, 22)
        if end
        else start_time[:11] + f"{int(start_time[11:13]) + 1:02d}" + start_time[13:]
    )
    performer = chart.practitioner(practitioner_role)
    resource: Resource = {
        "resourceType": "Encounter",
        "id": rid,
        "meta": meta(us_core("us-core-encounter")),
        "identifier": [{"system": SID + "encounter", "value": rid.upper().replace("-", "")}],
        "status": "finished",
        "class": coding(THO + "v3-ActCode", act[0], act[1]),
        "type": [cc_multi(*type_codings, text=sct_display.removesuffix(" (procedure)"))],
        "subject": chart.patient_ref(),
        "participant": [
            {
                "type": [
                    cc(
                        THO + "v3-ParticipationType",
                        "ATND" if kind == "admission" else "PPRF",
                        "attender" if kind == "admission" else "primary performer",
                    )
                ],
                "period": {"start": start_time, "end": end_time},
                "individual": performer,
            }
        ],
        "period": {"start": start_time, "end": end_time},
        "reasonReference": [ref("Condition", cid) for cid in reasons],
        "location": [
            {"location": ref("Location", location_id(chart.region, org_kind), org_name(chart.region, org_kind))}
        ],
        "serviceProvider": chart.org(org_kind),
    }
    if not reasons:
        del resource["reasonReference"]
    if kind == "admission":
        hospitalization: dict[str, object] = {
            "dischargeDisposition": cc(US_CORE_DISCHARGE, "01", "Discharged to home or self care (routine discharge)")
        }
        if admit_from_ed:
            hospitalization["admitSource"] = cc(THO + "admit-source", "emd", "From accident/emergency department")
        resource["hospitalization"] = hospitalization
    return chart.add(resource, end_time, chart.org(org_kind))


def procedure(
    chart: Chart,
    *,
    code: dict[str, object],
    when: date,
    encounter_id: str,
    performer_role: str,
    org_kind: str,
    reasons: list[str],
    device_id: str | None = None,
    based_on: str | None = None,
) -> Resource:
    rid = chart.new_id("Procedure")
    start = chart.uniform_time(when, 8, 15)
    resource: Resource = {
        "resourceType": "Procedure",
        "id": rid,
        "meta": meta(us_core("us-core-procedure")),
        "status": "completed",
        "code": code,
        "subject": chart.patient_ref(),
        "encounter": ref("Encounter", encounter_id),
        "performedDateTime": start,
        "performer": [{"actor": chart.practitioner(performer_role), "onBehalfOf": chart.org(org_kind)}],
        "location": ref("Location", location_id(chart.region, org_kind)),
        "reasonReference": [ref("Condition", cid) for cid in reasons],
    }
    if based_on:
        resource["basedOn"] = [ref("ServiceRequest", based_on)]
    if device_id:
        resource["focalDevice"] = [
            {"action": cc(SCT, "129338005", "Surgical implantation - action"), "manipulated": ref("Device", device_id)}
        ]
    return chart.add(resource, start, chart.org(org_kind))


def procedure_code(
    snomed: tuple[str, str] | None, cpt: tuple[str, str] | None, pcs: tuple[str, str] | None
) -> dict[str, object]:
    codings = []
    if snomed:
        codings.append(coding(SCT, *snomed))
    if cpt:
        codings.append(coding(CPT, *cpt))
    if pcs:
        codings.append(coding(ICD10PCS, *pcs))
    text = (snomed or cpt or pcs or ("", ""))[1]
    return cc_multi(*codings, text=text.removesuffix(" (procedure)"))


def device(chart: Chart, key: str, implanted: date) -> Resource:
    sct_code, sct_display, manufacturer, model, gtin = DEVICES[key]
    rng = chart.rng
    rid = chart.new_id("Device")
    manufactured = implanted - timedelta(days=rng.randrange(60, 400))
    expires = date(manufactured.year + 3, manufactured.month, 1)
    lot = f"{rng.choice('ABCDEFGHJK')}{rng.randrange(100, 999)}"
    serial = f"{rng.choice('MNPRST')}{rng.randrange(1000000, 9999999)}"
    hrf = f"(01){gtin}(11){manufactured.strftime('%y%m%d')}(17){expires.strftime('%y%m%d')}(10){lot}(21){serial}"
    resource: Resource = {
        "resourceType": "Device",
        "id": rid,
        "meta": meta(us_core("us-core-implantable-device")),
        "udiCarrier": [
            {"deviceIdentifier": gtin, "issuer": "http://hl7.org/fhir/NamingSystem/gs1-di", "carrierHRF": hrf}
        ],
        "status": "active",
        "distinctIdentifier": f"{lot}-{serial}",
        "manufacturer": manufacturer,
        "manufactureDate": day(manufactured),
        "expirationDate": day(expires),
        "lotNumber": lot,
        "serialNumber": serial,
        "deviceName": [{"name": f"{manufacturer} {model}", "type": "manufacturer-name"}],
        "modelNumber": model,
        "type": cc(SCT, sct_code, sct_display, sct_display.split(",")[0].removesuffix(" (physical object)")),
        "patient": chart.patient_ref(),
    }
    return chart.add(resource, instant(implanted, 16), chart.org("hospital"))


def allergy(chart: Chart, recorded: date) -> Resource:
    total = sum(w for _, w in ALLERGIES)
    x = chart.rng.random() * total
    choice = ALLERGIES[-1][0]
    for candidate, w in ALLERGIES:
        x -= w
        if x < 0:
            choice = candidate
            break
    resource: Resource = {
        "resourceType": "AllergyIntolerance",
        "id": chart.new_id("AllergyIntolerance"),
        "meta": meta(us_core("us-core-allergyintolerance")),
        "clinicalStatus": cc(THO + "allergyintolerance-clinical", "active", "Active"),
        "verificationStatus": cc(THO + "allergyintolerance-verification", "confirmed", "Confirmed"),
        "type": "allergy",
        "code": cc(
            choice.system,
            choice.code,
            choice.display,
            choice.display.removesuffix(" (substance)").removesuffix(" (situation)"),
        ),
        "patient": chart.patient_ref(),
        "recordedDate": chart.uniform_time(recorded),
        "recorder": chart.practitioner(chart.pcp_role),
    }
    if choice.category:
        resource["category"] = [choice.category]
    if choice.criticality:
        resource["criticality"] = choice.criticality
    if choice.reaction:
        resource["onsetDateTime"] = day(chart.demo.birth_date + timedelta(days=365 * (3 if chart.child else 30)))
        resource["reaction"] = [
            {
                "manifestation": [cc(SCT, choice.reaction[0], choice.reaction[1], choice.reaction[1].split(" (")[0])],
                "severity": choice.severity,
            }
        ]
    else:
        del resource["type"]
    return chart.add(resource, resource["recordedDate"], chart.org("clinic"))


def immunization(
    chart: Chart, cvx: str, when: date, org_kind: str, performer_role: str, dose: int | None = None
) -> Resource:
    vaccine = VACCINES[cvx]
    rng = chart.rng
    resource: Resource = {
        "resourceType": "Immunization",
        "id": chart.new_id("Immunization"),
        "meta": meta(us_core("us-core-immunization")),
        "status": "completed",
        "vaccineCode": cc(CVX, vaccine.cvx, vaccine.display, vaccine.display),
        "patient": chart.patient_ref(),
        "occurrenceDateTime": chart.uniform_time(when),
        "primarySource": True,
        "location": ref("Location", location_id(chart.region, org_kind)),
        "lotNumber": f"{rng.choice('UVWXYZ')}{rng.randrange(1000, 9999)}{rng.choice('AB')}",
        "site": cc(THO + "v3-ActSite", "LD", "left deltoid"),
        "route": cc(THO + "v3-RouteOfAdministration", "IM", "Injection, intramuscular"),
        "performer": [
            {
                "function": cc(THO + "v2-0443", "AP", "Administering Provider"),
                "actor": chart.practitioner(performer_role),
            }
        ],
    }
    if dose:
        resource["protocolApplied"] = [{"doseNumberPositiveInt": dose}]
    return chart.add(resource, resource["occurrenceDateTime"], chart.org(org_kind))
