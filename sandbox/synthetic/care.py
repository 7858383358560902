"""Care coordination: CareTeam, CarePlan, Goal and clinical notes (DocumentReference)."""

from __future__ import annotations

import base64
from datetime import date, timedelta
from html import escape

from .chart import Chart
from .fhir import LOINC, SCT, SID, US_CORE_CS, Resource, cc, day, instant, meta, quantity, ref, us_core

FORMAT_CODE = "http://ihe.net/fhir/ihe.formatcode.fhir/CodeSystem/formatcode"


def care_team(chart: Chart, since: date, related_person_id: str, specialist: bool) -> Resource:
    participants = [
        {
            "role": [cc(SCT, "446050000", "Primary care physician (occupation)")],
            "member": chart.practitioner(chart.pcp_role),
            "onBehalfOf": chart.org("clinic"),
        }
    ]
    if specialist:
        role = (
            ("nephro", "Nephrologist (occupation)", "kidney", "40127002")
            if chart.child
            else ("cardio", "Cardiologist (occupation)", "cardio", "17561000")
        )
        participants.append(
            {
                "role": [cc(SCT, role[3], role[1])],
                "member": chart.practitioner(role[0]),
                "onBehalfOf": chart.org(role[2]),
            }
        )
    participants += [
        {"role": [cc(SCT, "116154003", "Patient (person)")], "member": chart.patient_ref()},
        {"role": [cc(SCT, "133932002", "Caregiver (person)")], "member": ref("RelatedPerson", related_person_id)},
    ]
    resource: Resource = {
        "resourceType": "CareTeam",
        "id": chart.new_id("CareTeam"),
        "meta": meta(us_core("us-core-careteam")),
        "status": "active",
        "name": f"Care team of {chart.demo.name}",
        "subject": chart.patient_ref(),
        "period": {"start": day(since)},
        "participant": participants,
        "managingOrganization": [chart.org("clinic")],
    }
    return chart.add(resource, instant(since, 10), chart.org("clinic"))


def goal(
    chart: Chart,
    description: dict[str, object],
    start: date,
    due: date,
    addresses: list[str],
    target: dict[str, object] | None,
) -> Resource:
    resource: Resource = {
        "resourceType": "Goal",
        "id": chart.new_id("Goal"),
        "meta": meta(us_core("us-core-goal")),
        "lifecycleStatus": "active",
        "achievementStatus": cc("http://terminology.hl7.org/CodeSystem/goal-achievement", "in-progress", "In Progress"),
        "description": description,
        "subject": chart.patient_ref(),
        "startDate": day(start),
        "target": [{"dueDate": day(due)} | (target or {})],
        "expressedBy": chart.practitioner(chart.pcp_role),
        "addresses": [ref("Condition", cid) for cid in addresses],
    }
    return chart.add(resource, instant(start, 11), chart.org("clinic"))


def bp_goal(chart: Chart, start: date, condition_id: str) -> Resource:
    return goal(
        chart,
        cc(LOINC, "85354-9", "Blood pressure panel with all children optional", "Blood pressure below 130/80 mmHg"),
        start,
        start + timedelta(days=365),
        [condition_id],
        {"measure": cc(LOINC, "8480-6", "Systolic blood pressure"), "detailQuantity": quantity(130, "mmHg", "mm[Hg]")},
    )


def a1c_goal(chart: Chart, start: date, condition_id: str) -> Resource:
    return goal(
        chart,
        cc(LOINC, "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "Hemoglobin A1c below 7%"),
        start,
        start + timedelta(days=365),
        [condition_id],
        {
            "measure": cc(LOINC, "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood"),
            "detailQuantity": quantity(7.0, "%"),
        },
    )


def food_security_goal(chart: Chart, start: date, condition_id: str) -> Resource:
    return goal(
        chart,
        cc(SCT, "1078229009", "Food security (finding)", "Food security"),
        start,
        start + timedelta(days=180),
        [condition_id],
        None,
    )


def care_plan(
    chart: Chart, when: date, condition_ids: list[str], goal_ids: list[str], problems: list[str], care_team_id: str
) -> Resource:
    items = "".join(f"<li>{escape(p)}</li>" for p in problems)
    div = (
        '<div xmlns="http://www.w3.org/1999/xhtml"><p><b>Assessment</b></p>'
        f"<ul>{items}</ul><p><b>Plan</b>: continue current medications, recheck labs and vital signs in 12 months, "
        "follow up sooner for new symptoms.</p></div>"
    )
    resource: Resource = {
        "resourceType": "CarePlan",
        "id": chart.new_id("CarePlan"),
        "meta": meta(us_core("us-core-careplan")),
        "text": {"status": "generated", "div": div},
        "status": "active",
        "intent": "plan",
        "category": [cc(US_CORE_CS + "careplan-category", "assess-plan", "Assessment and Plan of Treatment")],
        "title": "Chronic care plan",
        "subject": chart.patient_ref(),
        "period": {"start": day(when), "end": day(when + timedelta(days=365))},
        "created": instant(when, 12),
        "author": chart.practitioner(chart.pcp_role),
        "careTeam": [ref("CareTeam", care_team_id)],
        "addresses": [ref("Condition", cid) for cid in condition_ids],
        "goal": [ref("Goal", gid) for gid in goal_ids],
    }
    return chart.add(resource, resource["created"], chart.org("clinic"))


def clinical_note(
    chart: Chart,
    *,
    loinc: tuple[str, str],
    text: str,
    when: date,
    start: str,
    end: str,
    encounter_id: str,
    author_role: str,
    org_kind: str,
) -> Resource:
    rid = chart.new_id("DocumentReference")
    data = base64.b64encode(text.encode()).decode()
    resource: Resource = {
        "resourceType": "DocumentReference",
        "id": rid,
        "meta": meta(us_core("us-core-documentreference")),
        "identifier": [{"system": SID + "document", "value": rid.upper().replace("-", "")}],
        "status": "current",
        "docStatus": "final",
        "type": cc(LOINC, loinc[0], loinc[1], loinc[1]),
        "category": [cc(US_CORE_CS + "us-core-documentreference-category", "clinical-note", "Clinical Note")],
        "subject": chart.patient_ref(),
        "date": instant(when, 20),
        "author": [chart.practitioner(author_role)],
        "custodian": chart.org(org_kind),
        "content": [
            {
                "attachment": {
                    "contentType": "text/plain",
                    "language": "en-US",
                    "data": data,
                    "title": loinc[1],
                    "creation": instant(when, 20),
                },
                "format": {
                    "system": FORMAT_CODE,
                    "code": "urn:ihe:iti:xds:2017:mimeTypeSufficient",
                    "display": "mimeType Sufficient",
                },
            }
        ],
        "context": {"encounter": [ref("Encounter", encounter_id)], "period": {"start": start, "end": end}},
    }
    return chart.add(resource, resource["date"], chart.org(org_kind))
