"""ExplanationOfBenefit resources for the five CARIN Blue Button types."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from .chart import Chart
from .claims import (
    Accumulator,
    ClaimSpec,
    adjudicate_inpatient,
    adjudicate_oral_line,
    adjudicate_pharmacy,
    adjudicate_professional_line,
    amount_entries,
    coverage_key,
    line_charge,
    totals,
)
from .codes_claims import (
    CARC_NONCOVERED,
    PLACE_OF_SERVICE,
    REVENUE_CODES,
    SERVICES,
    TAXONOMY,
    TOB_INPATIENT,
    TOB_OUTPATIENT,
)
from .fhir import (
    ADMISSION_TYPE,
    C4BB_CS,
    CARC,
    CDT,
    CPT,
    DATA_ABSENT,
    DISCHARGE_STATUS,
    HCPCS,
    ICD10CM,
    ICD10PCS,
    MS_DRG,
    NDC,
    NUCC,
    POINT_OF_ORIGIN,
    POS,
    PRESENT_ON_ADMISSION,
    REVENUE,
    SID,
    THO,
    TOOTH,
    TYPE_OF_BILL,
    UCUM,
    Resource,
    carin,
    cc,
    day,
    instant,
    meta,
    money,
    ref,
)

PROFILES = {
    "inpatient": carin("C4BB-ExplanationOfBenefit-Inpatient-Institutional"),
    "outpatient": carin("C4BB-ExplanationOfBenefit-Outpatient-Institutional"),
    "professional": carin("C4BB-ExplanationOfBenefit-Professional-NonClinician"),
    "pharmacy": carin("C4BB-ExplanationOfBenefit-Pharmacy"),
    "oral": carin("C4BB-ExplanationOfBenefit-Oral"),
}
CLAIM_TYPES = {
    "inpatient": "institutional",
    "outpatient": "institutional",
    "professional": "professional",
    "pharmacy": "pharmacy",
    "oral": "oral",
}
CLAIM_NUMBER_PREFIX = {"inpatient": "10", "outpatient": "20", "professional": "30", "pharmacy": "40", "oral": "50"}

SUPPORTING = C4BB_CS + "C4BBSupportingInfoType"
DISCRIMINATOR = C4BB_CS + "C4BBAdjudicationDiscriminator"
STATUS = C4BB_CS + "C4BBPayerAdjudicationStatus"
CARE_ROLE = C4BB_CS + "C4BBClaimCareTeamRole"
NOT_APPLICABLE = cc(DATA_ABSENT, "not-applicable", "Not Applicable")
SERVICE_SYSTEMS = {"cpt": CPT, "hcpcs": HCPCS, "cdt": CDT}


def _status(discriminator: str, code: str) -> dict[str, Any]:
    display = {"innetwork": "In Network", "outofnetwork": "Out Of Network", "other": "Other"}[code]
    return {"category": cc(DISCRIMINATOR, discriminator), "reason": cc(STATUS, code, display)}


def _info(seq: int, category: str, **value: Any) -> dict[str, Any]:
    return {"sequence": seq, "category": cc(SUPPORTING, category)} | value


def _product(service: str | None) -> dict[str, Any]:
    if service is None:
        return NOT_APPLICABLE
    s = SERVICES[service]
    return cc(SERVICE_SYSTEMS[s.system], s.code, s.display)


def _diagnoses(spec: ClaimSpec, kind: str) -> list[dict[str, Any]]:
    out = []
    for n, icd in enumerate(spec.diagnoses, start=1):
        if n == 1:
            dtype = cc(THO + "ex-diagnosistype", "principal", "Principal Diagnosis")
        elif kind == "professional":
            dtype = cc(C4BB_CS + "C4BBClaimDiagnosisType", "secondary", "Secondary")
        else:
            dtype = cc(C4BB_CS + "C4BBClaimDiagnosisType", "other", "Other")
        entry: dict[str, Any] = {"sequence": n, "diagnosisCodeableConcept": cc(ICD10CM, icd), "type": [dtype]}
        if kind == "inpatient":
            entry["onAdmission"] = cc(PRESENT_ON_ADMISSION, "Y")
        out.append(entry)
    if kind == "inpatient" and spec.admitting_dx:
        out.append(
            {
                "sequence": len(out) + 1,
                "diagnosisCodeableConcept": cc(ICD10CM, spec.admitting_dx),
                "type": [cc(THO + "ex-diagnosistype", "admitting", "Admitting Diagnosis")],
                "onAdmission": cc(PRESENT_ON_ADMISSION, "Y"),
            }
        )
    return out


def _base(chart: Chart, spec: ClaimSpec, eob_id: str) -> Resource:
    received = spec.end + timedelta(days=2 + chart.rng.randrange(5))
    created = received + timedelta(days=5 + chart.rng.randrange(10))
    cov = coverage_key(chart, spec)
    number = f"{CLAIM_NUMBER_PREFIX[spec.kind]}{chart.demo.index:07d}{eob_id.rsplit('-', 1)[1]}"
    eob: Resource = {
        "resourceType": "ExplanationOfBenefit",
        "id": eob_id,
        "meta": meta(PROFILES[spec.kind]),
        "identifier": [
            {
                "type": cc(C4BB_CS + "C4BBIdentifierType", "uc", "Unique Claim ID"),
                "system": SID + "claim-id",
                "value": number,
            }
        ],
        "status": "active",
        "type": cc(THO + "claim-type", CLAIM_TYPES[spec.kind], CLAIM_TYPES[spec.kind].capitalize()),
    }
    if spec.kind in ("inpatient", "outpatient"):
        eob["subType"] = cc(C4BB_CS + "C4BBInstitutionalClaimSubType", spec.kind, spec.kind.capitalize())
    eob |= {
        "use": "claim",
        "patient": chart.patient_ref(),
        "billablePeriod": {"start": day(spec.start), "end": day(spec.end)},
        "created": instant(created, 6),
        "insurer": chart.payer_ref(spec.start),
        "provider": spec.provider,
        "payee": {"type": cc(THO + "payeetype", "provider", "Provider"), "party": spec.provider},
        "outcome": "complete",
        "insurance": [{"focal": True, "coverage": ref("Coverage", f"{chart.pid}-cov-{cov}")}],
    }
    eob["_received"] = received
    eob["_created"] = created
    return eob


def _finish(eob: Resource, totals_: list[dict[str, Any]], paid: float, denied: bool) -> Resource:
    eob.pop("_received")
    created = eob.pop("_created")
    eob["total"] = totals_
    payment_type = "denied" if denied else "paid"
    eob["payment"] = {
        "type": cc(STATUS, payment_type, payment_type.capitalize()),
        "date": day(created + timedelta(days=3)),
        "amount": money(paid),
    }
    return eob


def _paid(amounts: list[list[tuple[str, float]]]) -> float:
    return round(sum(v for a in amounts for k, v in a if k == "paidtoprovider"), 2)


def _care_team_entry(
    seq: int, provider: dict[str, str], role_system: str, role: str, taxonomy: str | None = None
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "sequence": seq,
        "provider": {"reference": provider["reference"]},
        "role": cc(role_system, role),
    }
    if taxonomy:
        entry["qualification"] = cc(NUCC, taxonomy, TAXONOMY[taxonomy])
    return entry


def institutional(chart: Chart, spec: ClaimSpec, eob_id: str, accum: Accumulator) -> Resource:
    eob = _base(chart, spec, eob_id)
    inpatient = spec.kind == "inpatient"
    team: list[dict[str, Any]] = []
    if spec.attending:
        team.append(_care_team_entry(len(team) + 1, spec.attending, CARE_ROLE, "attending"))
    if spec.operating:
        team.append(_care_team_entry(len(team) + 1, spec.operating, CARE_ROLE, "operating"))
    if spec.referring:
        team.append(_care_team_entry(len(team) + 1, spec.referring, CARE_ROLE, "referring"))
    if team:
        eob["careTeam"] = team
    received = eob["_received"]
    tob = TOB_INPATIENT if inpatient else TOB_OUTPATIENT
    info: list[dict[str, Any]] = []
    if inpatient:
        info.append(_info(1, "admissionperiod", timingPeriod={"start": day(spec.start), "end": day(spec.end)}))
    info += [
        _info(len(info) + 1, "clmrecvddate", timingDate=day(received)),
        _info(len(info) + 2, "typeofbill", code=cc(TYPE_OF_BILL, tob[0], tob[1])),
        _info(len(info) + 3, "pointoforigin", code=cc(POINT_OF_ORIGIN, spec.point_of_origin)),
        _info(len(info) + 4, "admtype", code=cc(ADMISSION_TYPE, spec.admission_type)),
        _info(
            len(info) + 5,
            "discharge-status",
            code=cc(DISCHARGE_STATUS, "01", "Discharged to home or self care (routine discharge)"),
        ),
    ]
    if inpatient and spec.stay:
        info.append(_info(len(info) + 1, "drg", code=cc(MS_DRG, spec.stay.drg, spec.stay.drg_display)))
    info.append(_info(len(info) + 1, "medicalrecordnumber", valueString=f"MRN{chart.demo.index:08d}"))
    info.append(_info(len(info) + 1, "patientaccountnumber", valueString=f"PA{eob['identifier'][0]['value']}"))
    eob["supportingInfo"] = info
    eob["diagnosis"] = _diagnoses(spec, spec.kind)
    if spec.procedures:
        eob["procedure"] = [
            {
                "sequence": n,
                "type": [
                    cc(
                        C4BB_CS + "C4BBClaimProcedureType",
                        "principal" if n == 1 else "other",
                        "Principal" if n == 1 else "Other",
                    )
                ],
                "date": day(when),
                "procedureCodeableConcept": cc(ICD10PCS, code, display),
            }
            for n, (code, display, when) in enumerate(spec.procedures, start=1)
        ]
    items = []
    item_amounts: list[list[tuple[str, float]]] = []
    for n, line in enumerate(spec.lines, start=1):
        if line.revenue is None:
            raise ValueError("institutional lines need a revenue code")
        item: dict[str, Any] = {
            "sequence": n,
            "diagnosisSequence": list(line.dx),
            "revenue": cc(REVENUE, line.revenue, REVENUE_CODES[line.revenue]),
            "productOrService": _product(line.service),
            "servicedDate": day(line.when or spec.start),
            "quantity": {"value": line.quantity},
        }
        charge, _allowed = line_charge(line)
        if inpatient:
            item["net"] = money(charge)
            if spec.encounter_id:
                item["encounter"] = [ref("Encounter", spec.encounter_id)]
        else:
            amounts = adjudicate_professional_line(chart, spec, line, accum)
            item["adjudication"] = amount_entries(amounts)
            item_amounts.append(amounts)
            if line.encounter_id:
                item["encounter"] = [ref("Encounter", line.encounter_id)]
        items.append(item)
    eob["item"] = items
    header = [_status("benefitpaymentstatus", "innetwork"), _status("billingnetworkstatus", "innetwork")]
    if inpatient:
        amounts = adjudicate_inpatient(chart, spec, accum)
        eob["adjudication"] = header + amount_entries(amounts)
        return _finish(eob, amount_entries(amounts), _paid([amounts]), False)
    eob["adjudication"] = header
    return _finish(eob, totals(item_amounts), _paid(item_amounts), False)


def professional(chart: Chart, spec: ClaimSpec, eob_id: str, accum: Accumulator) -> Resource:
    eob = _base(chart, spec, eob_id)
    if spec.rendering is None:
        raise ValueError("professional claims need a rendering practitioner")
    team = [_care_team_entry(1, spec.rendering, CARE_ROLE, "rendering", spec.rendering_taxonomy)]
    if spec.referring:
        team.append(_care_team_entry(2, spec.referring, CARE_ROLE, "referring"))
    eob["careTeam"] = team
    eob["supportingInfo"] = [
        _info(1, "clmrecvddate", timingDate=day(eob["_received"])),
        _info(2, "servicefacility", valueReference=chart.org(spec.facility_kind)),
        _info(3, "patientaccountnumber", valueString=f"PA{eob['identifier'][0]['value']}"),
    ]
    eob["diagnosis"] = _diagnoses(spec, "professional")
    items = []
    item_amounts = []
    for n, line in enumerate(spec.lines, start=1):
        pos = line.pos or "11"
        amounts = adjudicate_professional_line(chart, spec, line, accum)
        item_amounts.append(amounts)
        item: dict[str, Any] = {
            "sequence": n,
            "careTeamSequence": [1],
            "diagnosisSequence": list(line.dx),
            "productOrService": _product(line.service),
            "servicedDate": day(line.when or spec.start),
            "locationCodeableConcept": cc(POS, pos, PLACE_OF_SERVICE[pos]),
            "quantity": {"value": line.quantity},
            "adjudication": [_status("benefitpaymentstatus", "innetwork"), *amount_entries(amounts)],
        }
        if line.encounter_id:
            item["encounter"] = [ref("Encounter", line.encounter_id)]
        items.append(item)
    eob["item"] = items
    eob["adjudication"] = [_status("billingnetworkstatus", "innetwork"), _status("renderingnetworkstatus", "innetwork")]
    return _finish(eob, totals(item_amounts), _paid(item_amounts), False)


def pharmacy(chart: Chart, spec: ClaimSpec, eob_id: str) -> Resource:
    drug = spec.drug
    if drug is None or spec.prescriber is None or spec.request_id is None:
        raise ValueError("pharmacy claims need a drug, a prescriber and a prescription")
    eob = _base(chart, spec, eob_id)
    eob["careTeam"] = [_care_team_entry(1, spec.prescriber, CARE_ROLE, "prescribing")]
    eob["prescription"] = ref("MedicationRequest", spec.request_id)
    ncpdp = THO
    eob["supportingInfo"] = [
        _info(1, "dayssupply", valueQuantity={"value": 90, "unit": "days", "system": UCUM, "code": "d"}),
        _info(
            2,
            "dawcode",
            code=cc(
                ncpdp + "NCPDPDispensedAsWrittenOrProductSelectionCode", "1", "Substitution not allowed by prescriber"
            ),
        ),
        _info(3, "refillnum", valueQuantity={"value": spec.fill_number}),
        _info(4, "refillsauthorized", valueQuantity={"value": spec.refills_authorized}),
        _info(5, "brandgenericindicator", code=cc(ncpdp + "NCPDPBrandGenericIndicator", "1" if drug.brand else "2")),
        _info(6, "rxorigincode", code=cc(ncpdp + "NCPDPPrescriptionOriginCode", "3", "Electronic")),
        _info(7, "clmrecvddate", timingDate=day(eob["_received"])),
        _info(8, "compoundcode", code=cc(ncpdp + "NCPDPCompoundCode", "1", "Not a compound")),
    ]
    amounts = adjudicate_pharmacy(spec)
    eob["item"] = [
        {
            "sequence": 1,
            "informationSequence": [1, 2, 3, 4],
            "productOrService": cc(NDC, drug.ndc, drug.ndc_display),
            "servicedDate": day(spec.start),
            "quantity": {
                "value": drug.quantity,
                "unit": drug.quantity_unit,
                "system": UCUM,
                "code": drug.quantity_code,
            },
            "adjudication": amount_entries(amounts),
        }
    ]
    eob["adjudication"] = [_status("benefitpaymentstatus", "innetwork"), _status("billingnetworkstatus", "innetwork")]
    return _finish(eob, totals([amounts]), _paid([amounts]), False)


def oral(chart: Chart, spec: ClaimSpec, eob_id: str) -> Resource:
    if spec.rendering is None:
        raise ValueError("oral claims need a rendering dentist")
    eob = _base(chart, spec, eob_id)
    eob["careTeam"] = [_care_team_entry(1, spec.rendering, CARE_ROLE, "rendering", spec.rendering_taxonomy)]
    eob["supportingInfo"] = [
        _info(1, "clmrecvddate", timingDate=day(eob["_received"])),
        _info(2, "servicefacility", valueReference=chart.org(spec.facility_kind)),
        _info(3, "patientaccountnumber", valueString=f"PA{eob['identifier'][0]['value']}"),
    ]
    items = []
    item_amounts = []
    denied_any = False
    for n, line in enumerate(spec.lines, start=1):
        amounts, denied = adjudicate_oral_line(chart, spec, line)
        denied_any = denied_any or denied
        item_amounts.append(amounts)
        adjudication = [_status("benefitpaymentstatus", "other" if denied else "innetwork"), *amount_entries(amounts)]
        if denied:
            adjudication.append(
                {
                    "category": cc(DISCRIMINATOR, "adjustmentreason"),
                    "reason": cc(CARC, CARC_NONCOVERED[0], CARC_NONCOVERED[1]),
                }
            )
        item: dict[str, Any] = {
            "sequence": n,
            "careTeamSequence": [1],
            "productOrService": _product(line.service),
            "servicedDate": day(line.when or spec.start),
            "locationCodeableConcept": cc(POS, "11", PLACE_OF_SERVICE["11"]),
            "quantity": {"value": line.quantity},
            "adjudication": adjudication,
        }
        if line.tooth:
            item["bodySite"] = cc(TOOTH, line.tooth)
            if line.surface:
                item["subSite"] = [cc(C4BB_CS + "C4BBSurfaceCodes", line.surface)]
        items.append(item)
    eob["item"] = items
    status = "other" if denied_any else "innetwork"
    eob["adjudication"] = [
        _status("renderingnetworkstatus", "innetwork"),
        _status("benefitpaymentstatus", status),
        _status("billingnetworkstatus", "innetwork"),
    ]
    if denied_any:
        eob["processNote"] = [
            {"number": 1, "type": "display", "text": "Routine dental services are not covered by Original Medicare."}
        ]
        for item in eob["item"]:
            item["noteNumber"] = [1]
    return _finish(eob, totals(item_amounts), _paid(item_amounts), denied_any)


def build_eob(chart: Chart, spec: ClaimSpec, eob_id: str, accum: Accumulator) -> Resource:
    if spec.kind in ("inpatient", "outpatient"):
        eob = institutional(chart, spec, eob_id, accum)
    elif spec.kind == "professional":
        eob = professional(chart, spec, eob_id, accum)
    elif spec.kind == "pharmacy":
        eob = pharmacy(chart, spec, eob_id)
    else:
        eob = oral(chart, spec, eob_id)
    payer = chart.payer_ref(spec.start)
    chart.add(eob, eob["created"], {"reference": payer["reference"]})
    return eob
