"""A small, hand-made lake (two patients, their claims and records, shared directory
resources) and credentials to read it: API tokens and SMART tokens with a patient."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken

from sandbox import store
from tokens import services as token_services
from tokens.models import AccessContext, OAuthClient

US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"
LAB = "http://terminology.hl7.org/CodeSystem/observation-category"


def patient(pid: str, family: str, given: str, birth: str, gender: str) -> dict:
    return {
        "resourceType": "Patient",
        "id": pid,
        "meta": {"profile": [US_CORE + "us-core-patient|6.1.0"]},
        "identifier": [{"system": "https://bluebutton.cms.gov/resources/variables/bene_id", "value": f"bene-{pid}"}],
        "name": [{"family": family, "given": [given]}],
        "gender": gender,
        "birthDate": birth,
        "address": [{"line": ["1 Main St"], "city": "Baltimore", "state": "MD", "postalCode": "21201"}],
    }


def observation(oid: str, pid: str, category: str, loinc: str, when: str) -> dict:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "category": [{"coding": [{"system": LAB, "code": category}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
        "subject": {"reference": f"Patient/{pid}"},
        "effectiveDateTime": when,
        "valueQuantity": {"value": 5.4, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"},
    }


def eob(eid: str, pid: str, start: str, kind: str = "professional") -> dict:
    return {
        "resourceType": "ExplanationOfBenefit",
        "id": eid,
        "status": "active",
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": kind}]},
        "use": "claim",
        "patient": {"reference": f"Patient/{pid}"},
        "billablePeriod": {"start": start, "end": start},
        "created": start + "T10:00:00Z",
        "insurer": {"reference": "Organization/payer"},
        "provider": {"reference": "Practitioner/doc"},
        "insurance": [{"focal": True, "coverage": {"reference": f"Coverage/cov-{pid}"}}],
        "identifier": [{"system": "https://bluebutton.cms.gov/claim", "value": f"clm-{eid}"}],
        "outcome": "complete",
    }


def mini_lake() -> list[dict]:
    resources: list[dict] = [
        {"resourceType": "Organization", "id": "payer", "name": "CMS Sandbox Health Plan", "active": True},
        {
            "resourceType": "Practitioner",
            "id": "doc",
            "name": [{"family": "Careful", "given": ["Ada"]}],
            "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893"}],
        },
        patient("p1", "Doe", "Jane", "1950-03-01", "female"),
        patient("p2", "Roe", "Richard", "1948-11-20", "male"),
    ]
    for pid in ("p1", "p2"):
        resources.append(
            {
                "resourceType": "Coverage",
                "id": f"cov-{pid}",
                "status": "active",
                "beneficiary": {"reference": f"Patient/{pid}"},
                "payor": [{"reference": "Organization/payer"}],
            }
        )
        for n in range(12):
            resources.append(eob(f"eob-{pid}-{n:02d}", pid, f"2024-{1 + n:02d}-15"))
        resources.append(observation(f"lab-{pid}", pid, "laboratory", "4548-4", "2024-05-01T09:30:00Z"))
        resources.append(observation(f"vital-{pid}", pid, "vital-signs", "8867-4", "2024-06-01"))
        resources.append(
            {
                "resourceType": "Provenance",
                "id": f"prov-lab-{pid}",
                "target": [{"reference": f"Observation/lab-{pid}"}],
                "recorded": "2024-05-01T10:00:00Z",
                "agent": [{"who": {"reference": "Organization/payer"}}],
            }
        )
    resources.append(
        {
            "resourceType": "Group",
            "id": "only-p1",
            "type": "person",
            "actual": True,
            "member": [{"entity": {"reference": "Patient/p1"}}],
        }
    )
    return resources


@pytest.fixture
def lake(db):
    store.load_lake(mini_lake())


@pytest.fixture
def fhir_token(issue):
    """An API token holding cms.fhir.r4.read (and the partner scopes)."""
    return issue(scopes=["cms.partner.read", "cms.fhir.r4.read"]).secret


@pytest.fixture
def smart_token(acme):
    """smart_token(scope="patient/*.read", patient="p1") -> a bearer for a SMART access token."""
    owner = acme.memberships.get(role="owner").user
    client = token_services.create_oauth_client(
        partner=acme, name="smart", scopes=["cms.fhir.r4.read"], by=owner
    ).client
    # SMART app registration comes with the SMART issue; register the broad scopes by hand.
    OAuthClient.objects.filter(pk=client.pk).update(scopes=["patient/*.cruds", "user/*.cruds", "system/*.cruds"])
    client.refresh_from_db()

    def make(scope: str = "patient/*.read", patient: str = "p1") -> str:
        raw = secrets.token_urlsafe(24)
        token = AccessToken.objects.create(
            application=client, token=raw, scope=scope, expires=timezone.now() + timedelta(hours=1)
        )
        if patient:
            AccessContext.objects.create(token=token, patient_id=patient)
        return raw

    return make


def get(client, path, token=None, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(path, **headers, **extra)
