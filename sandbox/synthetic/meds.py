"""MedicationRequest and the MedicationDispense of each fill (the pharmacy claims bill the same NDC)."""

from __future__ import annotations

from datetime import date

from .chart import Chart
from .codes_clinical import Drug
from .fhir import NDC, RXNORM, THO, UCUM, Resource, cc, cc_multi, coding, day, instant, meta, quantity, ref, us_core
from .shared import medication_id


def _dosage(drug: Drug, start: date) -> dict[str, object]:
    return {
        "text": drug.sig,
        "timing": {
            "repeat": {
                "boundsPeriod": {"start": day(start)},
                "frequency": drug.frequency,
                "period": 1,
                "periodUnit": "d",
            }
        },
        "route": cc(
            "http://snomed.info/sct",
            "26643006" if drug.dose_code != "{puff}" else "447694001",
            "Oral route" if drug.dose_code != "{puff}" else "Respiratory tract route",
        ),
        "doseAndRate": [{"doseQuantity": quantity(drug.dose_value, drug.dose_unit, drug.dose_code)}],
    }


def medication_request(
    chart: Chart, drug: Drug, authored: date, prescriber_role: str, reason_id: str, refills: int, by_reference: bool
) -> Resource:
    resource: Resource = {
        "resourceType": "MedicationRequest",
        "id": chart.new_id("MedicationRequest"),
        "meta": meta(us_core("us-core-medicationrequest")),
        "status": "active",
        "intent": "order",
        "category": [cc(THO + "medicationrequest-category", "community", "Community")],
        "reportedBoolean": False,
        "subject": chart.patient_ref(),
        "authoredOn": chart.uniform_time(authored),
        "requester": chart.practitioner(prescriber_role),
        "reasonReference": [ref("Condition", reason_id)],
        "dosageInstruction": [_dosage(drug, authored)],
        "dispenseRequest": {
            "validityPeriod": {
                "start": day(authored),
                "end": day(date(authored.year + 1, authored.month, min(authored.day, 28))),
            },
            "numberOfRepeatsAllowed": refills,
            "quantity": quantity(drug.quantity, drug.quantity_unit, drug.quantity_code),
            "expectedSupplyDuration": {"value": 90, "unit": "days", "system": UCUM, "code": "d"},
        },
        "substitution": {"allowedBoolean": False},
    }
    if by_reference:
        resource["medicationReference"] = ref("Medication", medication_id(drug), drug.rxnorm_display)
    else:
        resource["medicationCodeableConcept"] = cc(RXNORM, drug.rxnorm, drug.rxnorm_display, drug.rxnorm_display)
    return chart.add(resource, resource["authoredOn"], chart.org("clinic"))


def medication_dispense(chart: Chart, drug: Drug, request_id: str, filled: date, fill_number: int) -> Resource:
    handed = instant(filled, chart.rng.randrange(9, 20), chart.rng.choice((5, 20, 35, 50)))
    resource: Resource = {
        "resourceType": "MedicationDispense",
        "id": chart.new_id("MedicationDispense"),
        "meta": meta(us_core("us-core-medicationdispense")),
        "status": "completed",
        "medicationCodeableConcept": cc_multi(
            coding(RXNORM, drug.rxnorm, drug.rxnorm_display),
            coding(NDC, drug.ndc, drug.ndc_display),
            text=drug.rxnorm_display,
        ),
        "subject": chart.patient_ref(),
        "performer": [{"actor": chart.practitioner("pharmacist")}, {"actor": chart.org("pharmacy")}],
        "location": ref("Location", f"loc-{chart.region}-pharmacy"),
        "authorizingPrescription": [ref("MedicationRequest", request_id)],
        "type": cc(
            THO + "v3-ActCode",
            "FFC" if fill_number == 0 else "RFC",
            "First Fill - Complete" if fill_number == 0 else "Refill - Complete",
        ),
        "quantity": quantity(drug.quantity, drug.quantity_unit, drug.quantity_code),
        "daysSupply": {"value": 90, "unit": "days", "system": UCUM, "code": "d"},
        "whenPrepared": handed[:11] + "08:00:00Z",
        "whenHandedOver": handed,
        "dosageInstruction": [_dosage(drug, filled)],
    }
    return chart.add(resource, handed, chart.org("pharmacy"))
