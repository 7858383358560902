"""Resources every beneficiary shares: payers, provider organizations and their locations,
practitioners (valid NPIs) and their roles, and the Medication catalog.

Ids: ``Organization/payer-cms``, ``Organization/payer-ma-<region>``, ``Organization/org-<region>-<kind>``,
``Location/loc-<region>-<kind>``, ``Practitioner/pract-<region>-<role>``,
``PractitionerRole/role-<region>-<role>``, ``Medication/med-<rxnorm>``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from .codes_claims import TAXONOMY
from .codes_clinical import DRUGS, Drug
from .fhir import (
    C4BB_CS,
    NAIC_SYSTEM,
    NDC,
    NPI_SYSTEM,
    NUCC,
    RXNORM,
    SCT,
    SID,
    TAX_SYSTEM,
    THO,
    Resource,
    carin,
    cc,
    coding,
    meta,
    ref,
    us_core,
)
from .people import REGIONS, Region, make_npi
from .provenance import provenance

ORG_PROFILES = (carin("C4BB-Organization"), us_core("us-core-organization"))
PRACTITIONER_PROFILES = (carin("C4BB-Practitioner"), us_core("us-core-practitioner"))
SHARED_RECORDED = "2021-12-01T08:00:00Z"

PAYER_CMS = "payer-cms"

# Per region: organization kind -> (name, NUCC taxonomy, street address).
ORG_NAMES: dict[str, dict[str, tuple[str, str, str]]] = {
    "pa": {
        "hospital": ("Three Rivers General Hospital", "282N00000X", "4800 Friendship Avenue"),
        "clinic": ("Allegheny Family Medicine", "261QP2300X", "5215 Centre Avenue"),
        "cardio": ("Monongahela Heart Associates", "207RC0000X", "1350 Locust Street"),
        "pharmacy": ("Point Breeze Pharmacy", "3336C0003X", "6714 Reynolds Street"),
        "dental": ("Riverside Dental Group", "122300000X", "2100 Murray Avenue"),
        "kidney": ("Steel City Kidney Care", "261QE0700X", "3459 Fifth Avenue"),
    },
    "md": {
        "hospital": ("Chesapeake Bay Medical Center", "282N00000X", "4940 Eastern Avenue"),
        "clinic": ("Patapsco Primary Care", "261QP2300X", "1001 Cathedral Street"),
        "cardio": ("Harborview Cardiology", "207RC0000X", "301 Saint Paul Place"),
        "pharmacy": ("Fells Point Pharmacy", "3336C0003X", "1621 Thames Street"),
        "dental": ("Inner Harbor Dental Arts", "122300000X", "250 West Pratt Street"),
        "kidney": ("Charm City Dialysis Center", "261QE0700X", "2700 North Charles Street"),
    },
    "oh": {
        "hospital": ("Scioto Valley Hospital", "282N00000X", "793 West State Street"),
        "clinic": ("Olentangy Family Physicians", "261QP2300X", "3525 Olentangy River Road"),
        "cardio": ("Buckeye Heart & Vascular", "207RC0000X", "1492 East Broad Street"),
        "pharmacy": ("German Village Pharmacy", "3336C0003X", "588 South Third Street"),
        "dental": ("Short North Dental", "122300000X", "1120 North High Street"),
        "kidney": ("Capital City Kidney Institute", "261QE0700X", "2231 North High Street"),
    },
}

# Medicare Advantage organizations: region -> (name, contract, plan benefit package, NAIC code, plan type).
MA_PLANS: dict[str, tuple[str, str, str, str, str, str]] = {
    "pa": ("Keystone Senior Advantage", "H3917", "004", "60219", "HMO", "600 Grant Street"),
    "md": ("Chesapeake Medicare Advantage", "H2402", "012", "95482", "PPO", "100 South Charles Street"),
    "oh": ("Buckeye Senior Health Plan", "H3655", "007", "12634", "HMO", "41 South High Street"),
}


@dataclass(frozen=True)
class Staff:
    role: str
    org: str  # ORG_NAMES kind
    taxonomy: str
    occupation: tuple[str, str]  # SNOMED CT occupation (US Core care team member function)
    given: str
    family: str
    gender: str
    suffix: str


PHYSICIAN = ("158965000", "Medical practitioner (occupation)")
HEALTH_PROFESSIONAL = ("223366009", "Healthcare professional (occupation)")

STAFF: dict[str, tuple[Staff, ...]] = {
    "pa": (
        Staff("pcp1", "clinic", "207R00000X", PHYSICIAN, "Anita", "Raman", "female", "MD"),
        Staff("pcp2", "clinic", "207Q00000X", PHYSICIAN, "Michael", "Kowalczyk", "male", "MD"),
        Staff("cardio", "cardio", "207RC0000X", PHYSICIAN, "Samuel", "Okafor", "male", "MD"),
        Staff("ed", "hospital", "207P00000X", PHYSICIAN, "Rachel", "Dunmore", "female", "MD"),
        Staff("hospitalist", "hospital", "208M00000X", PHYSICIAN, "Victor", "Halloran", "male", "DO"),
        Staff("dentist", "dental", "1223G0001X", HEALTH_PROFESSIONAL, "Julia", "Marchetti", "female", "DDS"),
        Staff("peds", "clinic", "208000000X", PHYSICIAN, "Hannah", "Lindqvist", "female", "MD"),
        Staff("nephro", "kidney", "207RN0300X", PHYSICIAN, "Omar", "Haddad", "male", "MD"),
        Staff("pharmacist", "pharmacy", "1835P1300X", HEALTH_PROFESSIONAL, "Grace", "Whitfield", "female", "PharmD"),
    ),
    "md": (
        Staff("pcp1", "clinic", "207R00000X", PHYSICIAN, "Denise", "Carrington", "female", "MD"),
        Staff("pcp2", "clinic", "207Q00000X", PHYSICIAN, "Arjun", "Mehta", "male", "MD"),
        Staff("cardio", "cardio", "207RC0000X", PHYSICIAN, "Lorraine", "Bishop", "female", "MD"),
        Staff("ed", "hospital", "207P00000X", PHYSICIAN, "Marcus", "Tillman", "male", "MD"),
        Staff("hospitalist", "hospital", "208M00000X", PHYSICIAN, "Ingrid", "Solberg", "female", "MD"),
        Staff("dentist", "dental", "1223G0001X", HEALTH_PROFESSIONAL, "Kevin", "Ashworth", "male", "DMD"),
        Staff("peds", "clinic", "208000000X", PHYSICIAN, "Nadia", "Petrova", "female", "MD"),
        Staff("nephro", "kidney", "207RN0300X", PHYSICIAN, "Felix", "Obuya", "male", "MD"),
        Staff("pharmacist", "pharmacy", "1835P1300X", HEALTH_PROFESSIONAL, "Tyrone", "Gaskins", "male", "PharmD"),
    ),
    "oh": (
        Staff("pcp1", "clinic", "207R00000X", PHYSICIAN, "Laura", "Brennan", "female", "MD"),
        Staff("pcp2", "clinic", "207Q00000X", PHYSICIAN, "Daniel", "Yoder", "male", "MD"),
        Staff("cardio", "cardio", "207RC0000X", PHYSICIAN, "Priya", "Natarajan", "female", "MD"),
        Staff("ed", "hospital", "207P00000X", PHYSICIAN, "Gregory", "Pruitt", "male", "MD"),
        Staff("hospitalist", "hospital", "208M00000X", PHYSICIAN, "Sofia", "Castellanos", "female", "MD"),
        Staff("dentist", "dental", "1223G0001X", HEALTH_PROFESSIONAL, "Martin", "Kessler", "male", "DDS"),
        Staff("peds", "clinic", "208000000X", PHYSICIAN, "Eleanor", "Fairbanks", "female", "MD"),
        Staff("nephro", "kidney", "207RN0300X", PHYSICIAN, "Hassan", "Karimi", "male", "MD"),
        Staff("pharmacist", "pharmacy", "1835P1300X", HEALTH_PROFESSIONAL, "Beth", "Sauder", "female", "PharmD"),
    ),
}

ROLES = tuple(s.role for s in STAFF["pa"])
NPI_TYPE = cc(THO + "v2-0203", "NPI", "National provider identifier")
TAX_TYPE = cc(THO + "v2-0203", "TAX", "Tax ID number")


def org_id(region: str, kind: str) -> str:
    return f"org-{region}-{kind}"


def location_id(region: str, kind: str) -> str:
    return f"loc-{region}-{kind}"


def practitioner_id(region: str, role: str) -> str:
    return f"pract-{region}-{role}"


def role_id(region: str, role: str) -> str:
    return f"role-{region}-{role}"


def payer_ma_id(region: str) -> str:
    return f"payer-ma-{region}"


def medication_id(drug: Drug) -> str:
    return f"med-{drug.rxnorm}"


def npi_for(key: str) -> str:
    """The NPI of a shared provider: fixed for the key, independent of the seed."""
    return make_npi(random.Random(f"synthetic:npi:{key}"))  # noqa: S311 (seeded on purpose: deterministic data)


def org_name(region: str, kind: str) -> str:
    return ORG_NAMES[region][kind][0]


def staff(region: str, role: str) -> Staff:
    return next(s for s in STAFF[region] if s.role == role)


def practitioner_ref(region: str, role: str) -> dict[str, str]:
    s = staff(region, role)
    return ref("Practitioner", practitioner_id(region, role), f"{s.given} {s.family}, {s.suffix}")


def org_ref(region: str, kind: str) -> dict[str, str]:
    return ref("Organization", org_id(region, kind), org_name(region, kind))


def phone(region: Region, n: int) -> str:
    return f"{region.area_code}-555-01{n:02d}"


def _address(line: str, region: Region) -> dict[str, object]:
    postal = region.places[0][1]
    return {
        "use": "work",
        "line": [line],
        "city": region.city,
        "state": region.state,
        "postalCode": postal,
        "country": "US",
    }


def _organizations(region: Region) -> Iterator[Resource]:
    for n, (kind, (name, _taxonomy, street)) in enumerate(ORG_NAMES[region.key].items()):
        rng = random.Random(f"synthetic:tax:{region.key}:{kind}")  # noqa: S311 (seeded on purpose: deterministic data)
        yield {
            "resourceType": "Organization",
            "id": org_id(region.key, kind),
            "meta": meta(*ORG_PROFILES),
            "identifier": [
                {"type": NPI_TYPE, "system": NPI_SYSTEM, "value": npi_for(f"org:{region.key}:{kind}")},
                {
                    "type": TAX_TYPE,
                    "system": TAX_SYSTEM,
                    "value": f"{rng.randrange(20, 99)}-{rng.randrange(1000000, 9999999)}",
                },
            ],
            "active": True,
            "type": [cc(THO + "organization-type", "prov", "Healthcare Provider")],
            "name": name,
            "telecom": [{"system": "phone", "value": phone(region, 10 + n), "use": "work"}],
            "address": [_address(street, region)],
        }


def _payers() -> Iterator[Resource]:
    yield {
        "resourceType": "Organization",
        "id": PAYER_CMS,
        "meta": meta(*ORG_PROFILES),
        "identifier": [
            {
                "type": cc(C4BB_CS + "C4BBIdentifierType", "payerid", "Payer ID"),
                "system": SID + "payer-id",
                "value": "CMS-MEDICARE",
            }
        ],
        "active": True,
        "type": [cc(THO + "organization-type", "pay", "Payer")],
        "name": "Centers for Medicare & Medicaid Services",
        "telecom": [{"system": "phone", "value": "1-800-633-4227", "use": "work"}],
        "address": [
            {
                "use": "work",
                "line": ["7500 Security Boulevard"],
                "city": "Baltimore",
                "state": "MD",
                "postalCode": "21244",
                "country": "US",
            }
        ],
    }
    for region in REGIONS:
        name, contract, _pbp, naic, _kind, street = MA_PLANS[region.key]
        yield {
            "resourceType": "Organization",
            "id": payer_ma_id(region.key),
            "meta": meta(*ORG_PROFILES),
            "identifier": [
                {
                    "type": cc(C4BB_CS + "C4BBIdentifierType", "naiccode", "NAIC Code"),
                    "system": NAIC_SYSTEM,
                    "value": naic,
                },
                {
                    "type": cc(C4BB_CS + "C4BBIdentifierType", "payerid", "Payer ID"),
                    "system": SID + "payer-id",
                    "value": contract,
                },
            ],
            "active": True,
            "type": [cc(THO + "organization-type", "pay", "Payer")],
            "name": name,
            "telecom": [{"system": "phone", "value": phone(region, 90), "use": "work"}],
            "address": [_address(street, region)],
        }


def _locations(region: Region) -> Iterator[Resource]:
    for n, (kind, (name, _taxonomy, street)) in enumerate(ORG_NAMES[region.key].items()):
        yield {
            "resourceType": "Location",
            "id": location_id(region.key, kind),
            "meta": meta(us_core("us-core-location")),
            "status": "active",
            "name": name,
            "mode": "instance",
            "telecom": [{"system": "phone", "value": phone(region, 10 + n), "use": "work"}],
            "address": _address(street, region),
            "managingOrganization": org_ref(region.key, kind),
        }


def _practitioners(region: Region) -> Iterator[Resource]:
    for n, s in enumerate(STAFF[region.key]):
        street = ORG_NAMES[region.key][s.org][2]
        yield {
            "resourceType": "Practitioner",
            "id": practitioner_id(region.key, s.role),
            "meta": meta(*PRACTITIONER_PROFILES),
            "identifier": [{"type": NPI_TYPE, "system": NPI_SYSTEM, "value": npi_for(f"pract:{region.key}:{s.role}")}],
            "active": True,
            "name": [{"use": "official", "family": s.family, "given": [s.given], "suffix": [s.suffix]}],
            "telecom": [{"system": "phone", "value": phone(region, 40 + n), "use": "work"}],
            "address": [_address(street, region)],
            "gender": s.gender,
            "qualification": [{"code": cc(NUCC, s.taxonomy, TAXONOMY[s.taxonomy])}],
        }
        yield {
            "resourceType": "PractitionerRole",
            "id": role_id(region.key, s.role),
            "meta": meta(us_core("us-core-practitionerrole")),
            "active": True,
            "practitioner": practitioner_ref(region.key, s.role),
            "organization": org_ref(region.key, s.org),
            "code": [cc(SCT, *s.occupation)],
            "specialty": [cc(NUCC, s.taxonomy, TAXONOMY[s.taxonomy])],
            "location": [ref("Location", location_id(region.key, s.org), org_name(region.key, s.org))],
            "telecom": [{"system": "phone", "value": phone(region, 40 + n), "use": "work"}],
        }


def medication(drug: Drug) -> Resource:
    return {
        "resourceType": "Medication",
        "id": medication_id(drug),
        "meta": meta(us_core("us-core-medication")),
        "code": {
            "coding": [coding(RXNORM, drug.rxnorm, drug.rxnorm_display), coding(NDC, drug.ndc, drug.ndc_display)],
            "text": drug.rxnorm_display,
        },
        "status": "active",
    }


def _author_of(resource: Resource) -> dict[str, str]:
    rtype = resource["resourceType"]
    rid: str = resource["id"]
    if rtype == "Organization":
        return ref("Organization", rid)
    if rtype in ("Location", "PractitionerRole"):
        org: dict[str, str] = resource["managingOrganization" if rtype == "Location" else "organization"]
        return {"reference": org["reference"]}
    if rtype == "Practitioner":
        _, region, role = rid.split("-", 2)
        return {"reference": f"Organization/{org_id(region, staff(region, role).org)}"}
    return ref("Organization", PAYER_CMS)


def shared_resources() -> Iterator[Resource]:
    """Payers, provider organizations, locations, practitioners, roles and medications.

    Each is followed by its Provenance.
    """
    resources: list[Resource] = list(_payers())
    for region in REGIONS:
        resources.extend(_organizations(region))
        resources.extend(_locations(region))
        resources.extend(_practitioners(region))
    resources.extend(medication(drug) for drug in DRUGS.values())
    transmitter = ref("Organization", PAYER_CMS)
    for resource in resources:
        yield resource
        yield provenance(resource, SHARED_RECORDED, _author_of(resource), transmitter)
