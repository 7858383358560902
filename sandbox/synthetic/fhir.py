"""Small builders for FHIR R4 JSON fragments, profile URLs and code-system URIs.

Everything here returns plain dicts and lists: the generator never builds model objects,
so producing a million resources stays cheap.
"""

from __future__ import annotations

from datetime import date
from typing import Any

Resource = dict[str, Any]

US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"
CARIN = "http://hl7.org/fhir/us/carin-bb/StructureDefinition/"
US_CORE_VERSION = "6.1.0"
CARIN_VERSION = "2.0.0"


def us_core(name: str) -> str:
    """Versioned canonical of a US Core 6.1.0 profile (``us-core-patient`` or ``pediatric-bmi-for-age``)."""
    return f"{US_CORE}{name}|{US_CORE_VERSION}"


def carin(name: str) -> str:
    """Versioned canonical of a CARIN Blue Button 2.0.0 profile (``C4BB-Coverage``...)."""
    return f"{CARIN}{name}|{CARIN_VERSION}"


# Code systems (URIs as the guides spell them).
SCT = "http://snomed.info/sct"
LOINC = "http://loinc.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD10PCS = "http://www.cms.gov/Medicare/Coding/ICD10"
CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
CDT = "http://www.ada.org/cdt"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
NDC = "http://hl7.org/fhir/sid/ndc"
CVX = "http://hl7.org/fhir/sid/cvx"
UCUM = "http://unitsofmeasure.org"
NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
MBI_SYSTEM = "http://hl7.org/fhir/sid/us-mbi"
NAIC_SYSTEM = "urn:oid:2.16.840.1.113883.6.300"
TAX_SYSTEM = "urn:oid:2.16.840.1.113883.4.4"
NUCC = "http://nucc.org/provider-taxonomy"
POS = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
REVENUE = "https://www.nubc.org/CodeSystem/RevenueCodes"
TYPE_OF_BILL = "https://www.nubc.org/CodeSystem/TypeOfBill"
POINT_OF_ORIGIN = "https://www.nubc.org/CodeSystem/PointOfOrigin"
ADMISSION_TYPE = "https://www.nubc.org/CodeSystem/PriorityTypeOfAdmitOrVisit"
DISCHARGE_STATUS = "https://www.nubc.org/CodeSystem/PatDischargeStatus"
PRESENT_ON_ADMISSION = "https://www.nubc.org/CodeSystem/PresentOnAdmissionIndicator"
US_CORE_DISCHARGE = "http://www.nubc.org/patient-discharge"
MS_DRG = "https://www.cms.gov/Medicare/Medicare-Fee-for-Service-Payment/AcuteInpatientPPS/MS-DRG-Classifications-and-Software"
CARC = "https://x12.org/codes/claim-adjustment-reason-codes"
SOPT = "https://nahdo.org/sopt"
OMB_RACE_ETHNICITY = "urn:oid:2.16.840.1.113883.6.238"
BCP47 = "urn:ietf:bcp:47"
TOOTH = "http://terminology.hl7.org/CodeSystem/ADAUniversalToothDesignationSystem"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"

THO = "http://terminology.hl7.org/CodeSystem/"
C4BB_CS = "http://hl7.org/fhir/us/carin-bb/CodeSystem/"
US_CORE_CS = "http://hl7.org/fhir/us/core/CodeSystem/"

# Namespace for the sandbox's own identifiers (claim numbers, MRNs, accession numbers...).
# ``.example`` is reserved for documentation, so nobody mistakes these for real identifiers.
SID = "https://sandbox.bluebutton.example/fhir/sid/"


def coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    c = {"system": system, "code": code}
    if display:
        c["display"] = display
    return c


def cc(system: str, code: str, display: str | None = None, text: str | None = None) -> dict[str, Any]:
    """A CodeableConcept with one coding."""
    concept: dict[str, Any] = {"coding": [coding(system, code, display)]}
    if text:
        concept["text"] = text
    return concept


def cc_multi(*codings: dict[str, str], text: str | None = None) -> dict[str, Any]:
    concept: dict[str, Any] = {"coding": list(codings)}
    if text:
        concept["text"] = text
    return concept


def ref(resource_type: str, rid: str, display: str | None = None) -> dict[str, str]:
    r = {"reference": f"{resource_type}/{rid}"}
    if display:
        r["display"] = display
    return r


def quantity(value: float | int, unit: str, code: str | None = None) -> dict[str, Any]:
    """A UCUM quantity; ``code`` defaults to ``unit``."""
    return {"value": value, "unit": unit, "system": UCUM, "code": code or unit}


def money(value: float) -> dict[str, Any]:
    return {"value": round(value, 2), "currency": "USD"}


def meta(*profiles: str) -> dict[str, Any]:
    return {"profile": list(profiles)}


def day(d: date) -> str:
    return d.isoformat()


def instant(d: date, hour: int = 9, minute: int = 0) -> str:
    """An instant on day ``d`` (UTC), e.g. ``2024-03-05T14:30:00Z``."""
    return f"{d.isoformat()}T{hour:02d}:{minute:02d}:00Z"
