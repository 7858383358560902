"""What the sandbox serves: resource types, their search parameters (FHIR R4, US Core 6.1.0
and CARIN Blue Button 2.0.0 definitions), includes and the patient compartment.

Paths are element paths below the resource: dotted field names, ``[x]`` for a choice
element (``effective[x]`` matches ``effectiveDateTime``, ``effectivePeriod``...), and
``ext(<url>)`` to step into the extensions with that url. The same table drives indexing,
searching and the CapabilityStatement, so what /metadata promises is what works.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TOKEN, STRING, DATE, REFERENCE = "token", "string", "date", "reference"
US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"
CARIN = "http://hl7.org/fhir/us/carin-bb/StructureDefinition/"
ASSERTED_DATE = "http://hl7.org/fhir/StructureDefinition/condition-assertedDate"


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    paths: tuple[str, ...]
    targets: tuple[str, ...] = ()  # reference parameters: the resource types they may point to
    doc: str = ""


@dataclass(frozen=True)
class TypeDef:
    name: str
    params: dict[str, Param]
    compartment: tuple[str, ...] = ()  # reference paths to the patient, or ("id",) for Patient itself
    includes: tuple[str, ...] = ()  # "Type:param" this type may _include
    profiles: tuple[str, ...] = ()
    shall: tuple[tuple[str, ...], ...] = ()  # the search combinations the guides require
    interactions: tuple[str, ...] = ("read", "vread", "search-type", "history-instance")
    writable: bool = True
    data_category: str = "clinical"
    extra: dict[str, str] = field(default_factory=dict)


def _p(name: str, kind: str, *paths: str, targets: tuple[str, ...] = (), doc: str = "") -> Param:
    return Param(name, kind, paths, targets, doc)


def _patient(*paths: str) -> Param:
    return _p("patient", REFERENCE, *paths, targets=("Patient",), doc="Who the resource is about")


def _subject() -> list[Param]:
    return [_patient("subject"), _p("subject", REFERENCE, "subject")]


def _type(
    name: str,
    params: list[Param],
    *,
    compartment: tuple[str, ...] = (),
    includes: tuple[str, ...] = (),
    profiles: tuple[str, ...] = (),
    shall: tuple[tuple[str, ...], ...] = (),
    data_category: str = "clinical",
) -> TypeDef:
    return TypeDef(
        name=name,
        params={p.name: p for p in params},
        compartment=compartment,
        includes=includes,
        profiles=profiles,
        shall=shall,
        data_category=data_category,
    )


_CLINICAL_SUBJECT = ("subject",)
_PROVIDERS = ("Practitioner", "PractitionerRole", "Organization")

TYPES: dict[str, TypeDef] = {
    t.name: t
    for t in (
        _type(
            "Patient",
            [
                _p("identifier", TOKEN, "identifier"),
                _p("name", STRING, "name"),
                _p("family", STRING, "name.family"),
                _p("given", STRING, "name.given"),
                _p("birthdate", DATE, "birthDate"),
                _p("gender", TOKEN, "gender"),
                _p("death-date", DATE, "deceasedDateTime"),
                _p("address", STRING, "address"),
                _p("address-city", STRING, "address.city"),
                _p("address-state", STRING, "address.state"),
                _p("address-postalcode", STRING, "address.postalCode"),
                _p("telecom", TOKEN, "telecom"),
                _p("general-practitioner", REFERENCE, "generalPractitioner"),
                _p("organization", REFERENCE, "managingOrganization", targets=("Organization",)),
            ],
            compartment=("id",),
            profiles=(US_CORE + "us-core-patient", CARIN + "C4BB-Patient"),
            shall=(("_id",), ("identifier",), ("name",), ("birthdate", "name"), ("gender", "name")),
            data_category="demographics",
        ),
        _type(
            "AllergyIntolerance",
            [
                _patient("patient"),
                _p("clinical-status", TOKEN, "clinicalStatus"),
                _p("verification-status", TOKEN, "verificationStatus"),
                _p("category", TOKEN, "category"),
                _p("code", TOKEN, "code"),
                _p("date", DATE, "recordedDate"),
                _p("criticality", TOKEN, "criticality"),
            ],
            compartment=("patient",),
            profiles=(US_CORE + "us-core-allergyintolerance",),
            shall=(("patient",),),
        ),
        _type(
            "CarePlan",
            [
                *_subject(),
                _p("category", TOKEN, "category"),
                _p("status", TOKEN, "status"),
                _p("intent", TOKEN, "intent"),
                _p("date", DATE, "period"),
                _p("encounter", REFERENCE, "encounter", targets=("Encounter",)),
            ],
            compartment=_CLINICAL_SUBJECT,
            profiles=(US_CORE + "us-core-careplan",),
            shall=(("patient", "category"),),
        ),
        _type(
            "CareTeam",
            [
                *_subject(),
                _p("status", TOKEN, "status"),
                _p("category", TOKEN, "category"),
                _p("role", TOKEN, "participant.role"),
                _p("date", DATE, "period"),
                _p("participant", REFERENCE, "participant.member"),
            ],
            compartment=_CLINICAL_SUBJECT,
            profiles=(US_CORE + "us-core-careteam",),
            shall=(("patient", "status"),),
        ),
        _type(
            "Condition",
            [
                *_subject(),
                _p("category", TOKEN, "category"),
                _p("clinical-status", TOKEN, "clinicalStatus"),
                _p("verification-status", TOKEN, "verificationStatus"),
                _p("code", TOKEN, "code"),
                _p("onset-date", DATE, "onset[x]"),
                _p("abatement-date", DATE, "abatement[x]"),
                _p("recorded-date", DATE, "recordedDate"),
                _p("asserted-date", DATE, f"ext({ASSERTED_DATE}).valueDateTime"),
                _p("encounter", REFERENCE, "encounter", targets=("Encounter",)),
            ],
            compartment=_CLINICAL_SUBJECT,
            profiles=(
                US_CORE + "us-core-condition-encounter-diagnosis",
                US_CORE + "us-core-condition-problems-health-concerns",
            ),
            shall=(("patient",),),
        ),
        _type(
            "Coverage",
            [
                _patient("beneficiary"),
                _p("beneficiary", REFERENCE, "beneficiary", targets=("Patient",)),
                _p("subscriber", REFERENCE, "subscriber", targets=("Patient", "RelatedPerson")),
                _p("payor", REFERENCE, "payor", targets=("Organization", "Patient", "RelatedPerson")),
                _p("identifier", TOKEN, "identifier"),
                _p("status", TOKEN, "status"),
                _p("type", TOKEN, "type"),
            ],
            compartment=("beneficiary",),
            includes=("Coverage:payor",),
            profiles=(US_CORE + "us-core-coverage", CARIN + "C4BB-Coverage"),
            shall=(("patient",), ("_id",), ("beneficiary",)),
            data_category="claims",
        ),
        _type(
            "Device",
            [
                _patient("patient"),
                _p("type", TOKEN, "type"),
                _p("status", TOKEN, "status"),
                _p("udi-carrier", STRING, "udiCarrier.carrierHRF"),
                _p("device-name", STRING, "deviceName.name"),
            ],
            compartment=("patient",),
            profiles=(US_CORE + "us-core-implantable-device",),
            shall=(("patient",),),
        ),
        _type(
            "DiagnosticReport",
            [
                *_subject(),
                _p("category", TOKEN, "category"),
                _p("code", TOKEN, "code"),
                _p("date", DATE, "effective[x]"),
                _p("status", TOKEN, "status"),
                _p("encounter", REFERENCE, "encounter", targets=("Encounter",)),
                _p("result", REFERENCE, "result", targets=("Observation",)),
                _p("performer", REFERENCE, "performer"),
            ],
            compartment=_CLINICAL_SUBJECT,
            profiles=(US_CORE + "us-core-diagnosticreport-lab", US_CORE + "us-core-diagnosticreport-note"),
            shall=(("patient",), ("patient", "category"), ("patient", "code"), ("patient", "category", "date")),
            data_category="lab results",
        ),
        _type(
            "DocumentReference",
            [
                *_subject(),
                _p("category", TOKEN, "category"),
                _p("type", TOKEN, "type"),
                _p("date", DATE, "date"),
                _p("period", DATE, "context.period"),
                _p("status", TOKEN, "status"),
                _p("identifier", TOKEN, "identifier"),
                _p("encounter", REFERENCE, "context.encounter", targets=("Encounter",)),
            ],
            compartment=_CLINICAL_SUBJECT,
            profiles=(US_CORE + "us-core-documentreference",),
            shall=(
                ("_id",),
                ("patient",),
                ("patient", "category"),
                ("patient", "type"),
                ("patient", "category", "date"),
            ),
            data_category="clinical notes",
        ),
        _type(
            "Encounter",
            [
                *_subject(),
                _p("date", DATE, "period"),
                _p("class", TOKEN, "class"),
                _p("type", TOKEN, "type"),
                _p("status", TOKEN, "status"),
                _p("identifier", TOKEN, "identifier"),
                _p("location", REFERENCE, "location.location", targets=("Location",)),
                _p("discharge-disposition", TOKEN, "hospitalization.dischargeDisposition"),
                _p("participant", REFERENCE, "participant.individual"),
                _p("practitioner", REFERENCE, "participant.individual", targets=("Practitioner",)),
                _p("service-provider", REFERENCE, "serviceProvider", targets=("Organization",)),
            ],
            compartment=_CLINICAL_SUBJECT,
            profiles=(US_CORE + "us-core-encounter",),
            shall=(("_id",), ("patient",), ("date", "patient"), ("identifier",)),
        ),
        _type(
            "Goal",
            [
                *_subject(),
                _p("lifecycle-status", TOKEN, "lifecycleStatus"),
                _p("target-date", DATE, "target.dueDate"),
                _p("description", TOKEN, "description"),
            ],
            compartment=_CLINICAL_SUBJECT,
            profiles=(US_CORE + "us-core-goal",),
            shall=(("patient",),),
        ),
        _type(
            "Immunization",
            [
                _patient("patient"),
                _p("date", DATE, "occurrence[x]"),
                _p("status", TOKEN, "status"),
                _p("vaccine-code", TOKEN, "vaccineCode"),
            ],
            compartment=("patient",),
            profiles=(US_CORE + "us-core-immunization",),
            shall=(("patient",),),
        ),
        _type(
            "Location",
            [
                _p("name", STRING, "name", "alias"),
                _p("address", STRING, "address"),
                _p("address-city", STRING, "address.city"),
                _p("address-state", STRING, "address.state"),
                _p("address-postalcode", STRING, "address.postalCode"),
                _p("identifier", TOKEN, "identifier"),
                _p("organization", REFERENCE, "managingOrganization", targets=("Organization",)),
            ],
            profiles=(US_CORE + "us-core-location",),
            shall=(("name",), ("address",)),
            data_category="directory",
        ),
        _type(
            "Medication",
            [_p("code", TOKEN, "code")],
            profiles=(US_CORE + "us-core-medication",),
            data_category="pharmacy",
        ),
        _type(
            "MedicationDispense",
            [
                *_subject(),
                _p("status", TOKEN, "status"),
                _p("type", TOKEN, "type"),
                _p("medication", REFERENCE, "medicationReference", targets=("Medication",)),
                _p("code", TOKEN, "medicationCodeableConcept"),
                _p("prescription", REFERENCE, "authorizingPrescription", targets=("MedicationRequest",)),
                _p("whenhandedover", DATE, "whenHandedOver"),
            ],
            compartment=_CLINICAL_SUBJECT,
            includes=("MedicationDispense:medication",),
            profiles=(US_CORE + "us-core-medicationdispense",),
            shall=(("patient",),),
            data_category="pharmacy",
        ),
        _type(
            "MedicationRequest",
            [
                *_subject(),
                _p("intent", TOKEN, "intent"),
                _p("status", TOKEN, "status"),
                _p("authoredon", DATE, "authoredOn"),
                _p("encounter", REFERENCE, "encounter", targets=("Encounter",)),
                _p("medication", REFERENCE, "medicationReference", targets=("Medication",)),
                _p("code", TOKEN, "medicationCodeableConcept"),
            ],
            compartment=_CLINICAL_SUBJECT,
            includes=("MedicationRequest:medication",),
            profiles=(US_CORE + "us-core-medicationrequest",),
            shall=(("patient", "intent"), ("patient", "intent", "status")),
            data_category="pharmacy",
        ),
        _type(
            "Observation",
            [
                *_subject(),
                _p("category", TOKEN, "category"),
                _p("code", TOKEN, "code"),
                _p("date", DATE, "effective[x]"),
                _p("status", TOKEN, "status"),
                _p("encounter", REFERENCE, "encounter", targets=("Encounter",)),
                _p("based-on", REFERENCE, "basedOn"),
                _p("performer", REFERENCE, "performer"),
            ],
            compartment=_CLINICAL_SUBJECT,
            profiles=(
                US_CORE + "us-core-observation-lab",
                US_CORE + "us-core-vital-signs",
                US_CORE + "us-core-smokingstatus",
                US_CORE + "us-core-observation-screening-assessment",
                US_CORE + "us-core-observation-clinical-result",
            ),
            shall=(("patient", "category"), ("patient", "code"), ("patient", "category", "date")),
            data_category="lab results",
        ),
        _type(
            "Organization",
            [
                _p("name", STRING, "name", "alias"),
                _p("address", STRING, "address"),
                _p("identifier", TOKEN, "identifier"),
                _p("type", TOKEN, "type"),
            ],
            profiles=(US_CORE + "us-core-organization", CARIN + "C4BB-Organization"),
            shall=(("name",), ("address",)),
            data_category="directory",
        ),
        _type(
            "Practitioner",
            [
                _p("name", STRING, "name"),
                _p("family", STRING, "name.family"),
                _p("given", STRING, "name.given"),
                _p("identifier", TOKEN, "identifier"),
            ],
            profiles=(US_CORE + "us-core-practitioner", CARIN + "C4BB-Practitioner"),
            shall=(("name",), ("identifier",)),
            data_category="directory",
        ),
        _type(
            "PractitionerRole",
            [
                _p("practitioner", REFERENCE, "practitioner", targets=("Practitioner",)),
                _p("organization", REFERENCE, "organization", targets=("Organization",)),
                _p("specialty", TOKEN, "specialty"),
                _p("role", TOKEN, "code"),
                _p("location", REFERENCE, "location", targets=("Location",)),
            ],
            includes=("PractitionerRole:practitioner", "PractitionerRole:organization", "PractitionerRole:location"),
            profiles=(US_CORE + "us-core-practitionerrole",),
            shall=(("specialty",), ("practitioner",)),
            data_category="directory",
        ),
        _type(
            "Procedure",
            [
                *_subject(),
                _p("date", DATE, "performed[x]"),
                _p("code", TOKEN, "code"),
                _p("status", TOKEN, "status"),
                _p("encounter", REFERENCE, "encounter", targets=("Encounter",)),
            ],
            compartment=_CLINICAL_SUBJECT,
            profiles=(US_CORE + "us-core-procedure",),
            shall=(("patient",),),
        ),
        _type(
            "Provenance",
            [
                _p("target", REFERENCE, "target"),
                _patient("target"),
                _p("agent", REFERENCE, "agent.who"),
                _p("recorded", DATE, "recorded"),
            ],
            compartment=("target",),
            profiles=(US_CORE + "us-core-provenance",),
            data_category="provenance",
        ),
        _type(
            "RelatedPerson",
            [
                _patient("patient"),
                _p("name", STRING, "name"),
                _p("identifier", TOKEN, "identifier"),
                _p("relationship", TOKEN, "relationship"),
            ],
            compartment=("patient",),
            profiles=(US_CORE + "us-core-relatedperson", CARIN + "C4BB-RelatedPerson"),
            shall=(("_id",), ("patient",)),
            data_category="demographics",
        ),
        _type(
            "ServiceRequest",
            [
                *_subject(),
                _p("category", TOKEN, "category"),
                _p("code", TOKEN, "code"),
                _p("authored", DATE, "authoredOn"),
                _p("status", TOKEN, "status"),
                _p("intent", TOKEN, "intent"),
                _p("encounter", REFERENCE, "encounter", targets=("Encounter",)),
            ],
            compartment=_CLINICAL_SUBJECT,
            profiles=(US_CORE + "us-core-servicerequest",),
            shall=(("_id",), ("patient",)),
        ),
        _type(
            "Specimen",
            [*_subject(), _p("type", TOKEN, "type"), _p("collected", DATE, "collection.collected[x]")],
            compartment=_CLINICAL_SUBJECT,
            profiles=(US_CORE + "us-core-specimen",),
            shall=(("_id",), ("patient",)),
            data_category="lab results",
        ),
        _type(
            "Group",
            [
                _p("identifier", TOKEN, "identifier"),
                _p("type", TOKEN, "type"),
                _p("member", REFERENCE, "member.entity"),
                _p("characteristic", TOKEN, "characteristic.code"),
            ],
            data_category="attribution",
        ),
        _type(
            "ExplanationOfBenefit",
            [
                _patient("patient"),
                _p("identifier", TOKEN, "identifier"),
                _p("type", TOKEN, "type"),
                _p("status", TOKEN, "status"),
                _p("created", DATE, "created"),
                _p("service-date", DATE, "billablePeriod", "item.serviced[x]"),
                _p(
                    "service-start-date",
                    DATE,
                    "billablePeriod.start",
                    "item.servicedDate",
                    "item.servicedPeriod.start",
                ),
                _p("billable-period-start", DATE, "billablePeriod.start"),
                _p("provider", REFERENCE, "provider", targets=("Practitioner", "PractitionerRole", "Organization")),
                _p(
                    "care-team",
                    REFERENCE,
                    "careTeam.provider",
                    targets=("Practitioner", "PractitionerRole", "Organization"),
                ),
                _p("coverage", REFERENCE, "insurance.coverage", targets=("Coverage",)),
                _p("insurer", REFERENCE, "insurer", targets=("Organization",)),
                _p("payee", REFERENCE, "payee.party"),
            ],
            compartment=("patient",),
            includes=(
                "ExplanationOfBenefit:patient",
                "ExplanationOfBenefit:provider",
                "ExplanationOfBenefit:care-team",
                "ExplanationOfBenefit:coverage",
                "ExplanationOfBenefit:insurer",
                "ExplanationOfBenefit:payee",
                "ExplanationOfBenefit:*",
            ),
            profiles=(
                CARIN + "C4BB-ExplanationOfBenefit-Inpatient-Institutional",
                CARIN + "C4BB-ExplanationOfBenefit-Outpatient-Institutional",
                CARIN + "C4BB-ExplanationOfBenefit-Professional-NonClinician",
                CARIN + "C4BB-ExplanationOfBenefit-Pharmacy",
                CARIN + "C4BB-ExplanationOfBenefit-Oral",
            ),
            shall=(
                ("_id",),
                ("patient",),
                ("_lastUpdated",),
                ("type",),
                ("identifier",),
                ("service-date",),
                ("service-start-date",),
                ("billable-period-start",),
            ),
            data_category="claims",
        ),
    )
}

# Every type may be searched by these (answered from the resource row itself).
COMMON_PARAMS = {
    "_id": Param("_id", TOKEN, ("id",), doc="Logical id"),
    "_lastUpdated": Param("_lastUpdated", DATE, ("meta.lastUpdated",), doc="When the resource last changed"),
}
# Result parameters: understood by the search engine, not indexed.
RESULT_PARAMS = frozenset(
    {"_count", "_sort", "_include", "_revinclude", "_summary", "_total", "_format", "_elements", "_pretty", "_cursor"}
)
REVINCLUDES = ("Provenance:target",)


def param(resource_type: str, name: str) -> Param | None:
    if name in COMMON_PARAMS:
        return COMMON_PARAMS[name]
    type_def = TYPES.get(resource_type)
    return type_def.params.get(name) if type_def is not None else None
