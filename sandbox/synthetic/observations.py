"""Observations (vital signs, laboratory, social history, screening, clinical results), the reports
that group them, their specimens and the orders behind them."""

from __future__ import annotations

import base64
from datetime import date

from .chart import Chart, age_on, months_old
from .codes_clinical import HVS_ANSWERS, LAB_PANELS, LAB_TESTS, SMOKING, SPECIMEN_TYPES, VITALS
from .fhir import (
    CPT,
    LOINC,
    SCT,
    SID,
    THO,
    US_CORE_CS,
    Resource,
    cc,
    cc_multi,
    coding,
    day,
    meta,
    quantity,
    ref,
    us_core,
)

VITAL_SIGNS = cc(THO + "observation-category", "vital-signs", "Vital Signs")
LABORATORY = cc(THO + "observation-category", "laboratory", "Laboratory")
SOCIAL_HISTORY = cc(THO + "observation-category", "social-history", "Social History")
SURVEY = cc(THO + "observation-category", "survey", "Survey")
PROCEDURE_CATEGORY = cc(THO + "observation-category", "procedure", "Procedure")
SDOH = cc(US_CORE_CS + "us-core-category", "sdoh", "SDOH")
LAB_REPORT = cc(THO + "v2-0074", "LAB", "Laboratory")
CARDIOLOGY = cc(LOINC, "LP29708-2", "Cardiology")
INTERPRETATION = THO + "v3-ObservationInterpretation"


def _observation(
    chart: Chart, profile: str, category: list[dict[str, object]], code: dict[str, object], when: str
) -> Resource:
    return {
        "resourceType": "Observation",
        "id": chart.new_id("Observation"),
        "meta": meta(us_core(profile)),
        "status": "final",
        "category": category,
        "code": code,
        "subject": chart.patient_ref(),
        "effectiveDateTime": when,
    }


def _vital(
    chart: Chart, key: str, value: float, when: str, encounter_id: str, unit_display: str | None = None
) -> Resource:
    profile, loinc, display, unit = VITALS[key]
    obs = _observation(chart, profile, [VITAL_SIGNS], cc(LOINC, loinc, display, display), when)
    obs["encounter"] = ref("Encounter", encounter_id)
    obs["valueQuantity"] = quantity(value, unit_display or unit, unit)
    return obs


def vital_signs(chart: Chart, when_day: date, when: str, encounter_id: str, full: bool) -> list[Resource]:
    """Vital signs taken at a visit; ``full`` adds every adult vital-sign profile (or the pediatric set)."""
    rng = chart.rng
    d = chart.demo
    age = age_on(d.birth_date, when_day)
    out: list[Resource] = []
    if chart.child:
        height = round(50 + 25 * min(age, 1.0) + 9 * max(age - 1.0, 0) + rng.uniform(-2, 2), 1)
        weight = round(3.4 + 6.6 * min(age, 1.0) + 2.3 * max(age - 1.0, 0) + rng.uniform(-0.6, 0.6), 1)
        systolic, diastolic = rng.randrange(96, 118), rng.randrange(54, 74)
        heart_rate, resp, temp = rng.randrange(88, 122), rng.randrange(20, 30), round(rng.uniform(36.5, 37.3), 1)
    else:
        base_height = 162 if d.gender == "female" else 176
        height = round(base_height + rng.uniform(-8, 8), 1)
        weight = round((height / 100) ** 2 * rng.uniform(21.5, 33.0), 1)
        systolic, diastolic = rng.randrange(118, 152), rng.randrange(68, 92)
        heart_rate, resp, temp = rng.randrange(58, 92), rng.randrange(12, 19), round(rng.uniform(36.3, 37.2), 1)
    bp = _observation(
        chart, "us-core-blood-pressure", [VITAL_SIGNS], cc(LOINC, "85354-9", VITALS["bp"][2], "Blood pressure"), when
    )
    bp["encounter"] = ref("Encounter", encounter_id)
    bp["component"] = [
        {
            "code": cc(LOINC, "8480-6", "Systolic blood pressure", "Systolic blood pressure"),
            "valueQuantity": quantity(systolic, "mmHg", "mm[Hg]"),
        },
        {
            "code": cc(LOINC, "8462-4", "Diastolic blood pressure", "Diastolic blood pressure"),
            "valueQuantity": quantity(diastolic, "mmHg", "mm[Hg]"),
        },
    ]
    out.append(bp)
    out.append(_vital(chart, "hr", heart_rate, when, encounter_id, "beats/minute"))
    out.append(_vital(chart, "weight", weight, when, encounter_id))
    if full:
        out.append(_vital(chart, "rr", resp, when, encounter_id, "breaths/minute"))
        out.append(_vital(chart, "temp", temp, when, encounter_id, "C"))
        out.append(_vital(chart, "height", height, when, encounter_id))
        spo2 = _observation(
            chart,
            "us-core-pulse-oximetry",
            [VITAL_SIGNS],
            cc_multi(
                coding(LOINC, "2708-6", "Oxygen saturation in Arterial blood"),
                coding(LOINC, "59408-5", VITALS["spo2"][2]),
                text="Oxygen saturation",
            ),
            when,
        )
        spo2["encounter"] = ref("Encounter", encounter_id)
        spo2["valueQuantity"] = quantity(rng.randrange(93, 100), "%")
        out.append(spo2)
        if not chart.child:
            out.append(_vital(chart, "bmi", round(weight / (height / 100) ** 2, 1), when, encounter_id))
    if chart.child:
        months = months_old(d.birth_date, when_day)
        if months < 36:
            head = round(35 + 11 * min(age, 1.0) + 2.5 * max(age - 1.0, 0) + rng.uniform(-0.8, 0.8), 1)
            out.append(_vital(chart, "head", head, when, encounter_id))
            out.append(_vital(chart, "head_pct", rng.randrange(10, 90), when, encounter_id))
            out.append(_vital(chart, "wfl_pct", rng.randrange(10, 90), when, encounter_id))
        if months >= 24:
            out.append(_vital(chart, "bmi_pct", rng.randrange(15, 85), when, encounter_id))
    for obs in out:
        chart.add(obs, when, chart.org("clinic"))
    return out


def smoking_status(chart: Chart, when: str, encounter_id: str) -> Resource:
    total = sum(w for _, _, w in SMOKING)
    x = chart.rng.random() * total
    code, display = SMOKING[0][0], SMOKING[0][1]
    if not chart.child:
        for c, dsp, w in SMOKING:
            x -= w
            if x < 0:
                code, display = c, dsp
                break
    obs = _observation(
        chart,
        "us-core-smokingstatus",
        [SOCIAL_HISTORY],
        cc(LOINC, "72166-2", "Tobacco smoking status", "Tobacco smoking status"),
        when,
    )
    obs["encounter"] = ref("Encounter", encounter_id)
    obs["performer"] = [chart.practitioner(chart.pcp_role)]
    obs["valueCodeableConcept"] = cc(SCT, code, display, display.removesuffix(" (finding)"))
    return chart.add(obs, when, chart.org("clinic"))


def screenings(chart: Chart, when: str, encounter_id: str) -> tuple[list[Resource], bool]:
    """PHQ-2 depression screening and the Hunger Vital Sign item; the bool tells whether food is insecure."""
    rng = chart.rng
    phq = _observation(
        chart,
        "us-core-observation-screening-assessment",
        [SURVEY],
        cc(LOINC, "55758-7", "Patient Health Questionnaire 2 item (PHQ-2) total score [Reported]", "PHQ-2 total score"),
        when,
    )
    phq["encounter"] = ref("Encounter", encounter_id)
    phq["performer"] = [chart.practitioner(chart.pcp_role)]
    phq["valueQuantity"] = quantity(rng.choice((0, 0, 0, 1, 1, 2, 3)), "{score}")
    answer_code, answer = (
        HVS_ANSWERS[0] if rng.random() < 0.08 else HVS_ANSWERS[1] if rng.random() < 0.12 else HVS_ANSWERS[2]
    )
    hvs = _observation(
        chart,
        "us-core-observation-screening-assessment",
        [SDOH, SURVEY],
        cc(
            LOINC,
            "88122-7",
            "Within the past 12 months we worried whether our food would run out before we got money to buy more "
            "[U.S. FSS]",
            "Worried food would run out",
        ),
        when,
    )
    hvs["encounter"] = ref("Encounter", encounter_id)
    hvs["performer"] = [chart.patient_ref()]
    hvs["valueCodeableConcept"] = cc(LOINC, answer_code, answer, answer)
    for obs in (phq, hvs):
        chart.add(obs, when, chart.org("clinic"))
    return [phq, hvs], answer_code != HVS_ANSWERS[2][0]


def service_request(
    chart: Chart,
    *,
    code: dict[str, object],
    category: dict[str, object],
    authored: date,
    occurrence: date,
    requester_role: str,
    reasons: list[str],
    encounter_id: str | None,
    status: str = "completed",
) -> Resource:
    resource: Resource = {
        "resourceType": "ServiceRequest",
        "id": chart.new_id("ServiceRequest"),
        "meta": meta(us_core("us-core-servicerequest")),
        "status": status,
        "intent": "order",
        "category": [category],
        "code": code,
        "subject": chart.patient_ref(),
        "occurrenceDateTime": day(occurrence),
        "authoredOn": chart.uniform_time(authored),
        "requester": chart.practitioner(requester_role),
        "reasonReference": [ref("Condition", cid) for cid in reasons],
    }
    if encounter_id:
        resource["encounter"] = ref("Encounter", encounter_id)
    if not reasons:
        del resource["reasonReference"]
    return chart.add(resource, resource["authoredOn"], chart.org("clinic"))


def lab_order(
    chart: Chart, panel_key: str, authored: date, drawn: date, reasons: list[str], encounter_id: str
) -> Resource:
    panel = LAB_PANELS[panel_key]
    return service_request(
        chart,
        code=cc_multi(coding(LOINC, panel.loinc, panel.display), coding(CPT, panel.cpt), text=panel.display),
        category=cc(SCT, "108252007", "Laboratory procedure"),
        authored=authored,
        occurrence=drawn,
        requester_role=chart.pcp_role,
        reasons=reasons,
        encounter_id=encounter_id,
    )


def specimen(chart: Chart, kind: str, collected: str, order_id: str) -> Resource:
    code, display = SPECIMEN_TYPES[kind]
    rid = chart.new_id("Specimen")
    resource: Resource = {
        "resourceType": "Specimen",
        "id": rid,
        "meta": meta(us_core("us-core-specimen")),
        "accessionIdentifier": {"system": SID + "accession", "value": rid.upper().replace("-", "")},
        "status": "available",
        "type": cc(SCT, code, display, display.removesuffix(" (specimen)")),
        "subject": chart.patient_ref(),
        "receivedTime": collected[:11] + "18:00:00Z",
        "request": [ref("ServiceRequest", order_id)],
        "collection": {
            "collectedDateTime": collected,
            "method": cc(SCT, "28520004", "Venipuncture for blood test"),
        },
    }
    return chart.add(resource, collected, chart.org("hospital"))


def _lab_value(chart: Chart, loinc: str, abnormal_bias: float) -> tuple[float, str]:
    test = LAB_TESTS[loinc]
    rng = chart.rng
    span = test.high - test.low
    value = rng.uniform(test.low - span * 0.15, test.high + span * abnormal_bias)
    value = round(value, test.decimals) if test.decimals else float(round(value))
    flag = "N"
    if value < test.low:
        flag = "L"
    elif value > test.high:
        flag = "H"
    return value, flag


FLAG_DISPLAY = {"N": "Normal", "L": "Low", "H": "High"}


def lab_panel(
    chart: Chart,
    panel_key: str,
    drawn: str,
    issued: str,
    specimen_id: str,
    order_id: str,
    encounter_id: str,
    abnormal_bias: float = 0.2,
) -> list[Resource]:
    """A DiagnosticReport (US Core lab) with its result Observations; the report comes last."""
    panel = LAB_PANELS[panel_key]
    results: list[Resource] = []
    for loinc in panel.tests:
        test = LAB_TESTS[loinc]
        value, flag = _lab_value(chart, loinc, abnormal_bias)
        obs = _observation(
            chart, "us-core-observation-lab", [LABORATORY], cc(LOINC, loinc, test.display, test.display), drawn
        )
        obs["basedOn"] = [ref("ServiceRequest", order_id)]
        obs["encounter"] = ref("Encounter", encounter_id)
        obs["issued"] = issued
        obs["performer"] = [chart.org("hospital")]
        obs["valueQuantity"] = quantity(value, test.unit)
        obs["interpretation"] = [cc(INTERPRETATION, flag, FLAG_DISPLAY[flag])]
        obs["specimen"] = ref("Specimen", specimen_id)
        obs["referenceRange"] = [{"low": quantity(test.low, test.unit), "high": quantity(test.high, test.unit)}]
        results.append(chart.add(obs, issued, chart.org("hospital")))
    report: Resource = {
        "resourceType": "DiagnosticReport",
        "id": chart.new_id("DiagnosticReport"),
        "meta": meta(us_core("us-core-diagnosticreport-lab")),
        "basedOn": [ref("ServiceRequest", order_id)],
        "status": "final",
        "category": [LAB_REPORT],
        "code": cc(LOINC, panel.loinc, panel.display, panel.display),
        "subject": chart.patient_ref(),
        "encounter": ref("Encounter", encounter_id),
        "effectiveDateTime": drawn,
        "issued": issued,
        "performer": [chart.org("hospital")],
        "specimen": [ref("Specimen", specimen_id)],
        "result": [ref("Observation", o["id"], o["code"]["text"]) for o in results],
    }
    chart.add(report, issued, chart.org("hospital"))
    return [*results, report]


def ekg_report(chart: Chart, when: str, encounter_id: str, finding: str, performer_role: str) -> list[Resource]:
    """A 12-lead EKG: the interpretation (US Core clinical result) and its cardiology report (US Core note)."""
    obs = _observation(
        chart,
        "us-core-observation-clinical-result",
        [PROCEDURE_CATEGORY],
        cc(LOINC, "8601-7", "EKG impression", "EKG impression"),
        when,
    )
    obs["encounter"] = ref("Encounter", encounter_id)
    obs["performer"] = [chart.practitioner(performer_role)]
    obs["valueString"] = finding
    chart.add(obs, when, chart.org("hospital"))
    reader = chart.practitioner(performer_role)["display"]
    text = f"12-lead electrocardiogram, {when[:10]}.\nInterpretation: {finding}.\nRead by {reader}.\n"
    report: Resource = {
        "resourceType": "DiagnosticReport",
        "id": chart.new_id("DiagnosticReport"),
        "meta": meta(us_core("us-core-diagnosticreport-note")),
        "status": "final",
        "category": [CARDIOLOGY],
        "code": cc(LOINC, "11524-6", "EKG study", "EKG study"),
        "subject": chart.patient_ref(),
        "encounter": ref("Encounter", encounter_id),
        "effectiveDateTime": when,
        "issued": when[:11] + "23:00:00Z",
        "performer": [chart.practitioner(performer_role)],
        "result": [ref("Observation", obs["id"], "EKG impression")],
        "conclusion": finding,
        "presentedForm": [
            {
                "contentType": "text/plain",
                "language": "en-US",
                "data": base64.b64encode(text.encode()).decode(),
                "title": "EKG report",
                "creation": when,
            }
        ],
    }
    chart.add(report, report["issued"], chart.org("hospital"))
    return [obs, report]
