"""The shared synthetic lake: generating and loading it (``sandbox_generate``,
``seed_demo``), the Group of all beneficiaries, and their sign-ins."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from partners import accounts
from sandbox import store
from sandbox.models import LakeState
from sandbox.synthetic import DEFAULT_SEED, Beneficiary, beneficiaries, generate
from tokens.models import PatientLink

ALL_BENEFICIARIES_GROUP = "synthetic-beneficiaries"
LOGINS = 30  # BBUser00000..BBUser00029 sign in; larger lakes (benchmarks) add data, not logins
LOGIN_DOMAIN = "beneficiaries.sandbox.localhost"


@dataclass(frozen=True)
class Loaded:
    patients: int
    resources: int
    skipped: bool  # the lake already held exactly this data


def _with_group(resources: Iterator[dict[str, Any]], people: list[Beneficiary]) -> Iterator[dict[str, Any]]:
    yield from resources
    yield {
        "resourceType": "Group",
        "id": ALL_BENEFICIARIES_GROUP,
        "identifier": [{"system": "https://portal.example/sandbox/groups", "value": ALL_BENEFICIARIES_GROUP}],
        "active": True,
        "type": "person",
        "actual": True,
        "name": "All synthetic beneficiaries of the sandbox lake",
        "quantity": len(people),
        "member": [{"entity": {"reference": f"Patient/{b.patient_id}"}} for b in people],
    }


def _fingerprinted(resources: Iterator[dict[str, Any]], digest: Any) -> Iterator[dict[str, Any]]:
    for resource in resources:
        digest.update(store.serialize(resource).encode())
        yield resource


def fingerprint(patients: int, seed: int) -> str:
    digest = hashlib.sha256()
    for _ in _fingerprinted(_with_group(generate(patients, seed=seed), beneficiaries(patients, seed=seed)), digest):
        pass
    return digest.hexdigest()


def load(*, patients: int = 30, seed: int = DEFAULT_SEED, force: bool = False) -> Loaded:
    """Generate and load the lake (replacing it) unless it already holds the same data."""
    people = beneficiaries(patients, seed=seed)
    expected = fingerprint(patients, seed)
    state = LakeState.objects.first()
    if not force and state is not None and state.fingerprint == expected:
        return Loaded(patients=patients, resources=state.resources, skipped=True)
    with transaction.atomic():
        count = store.load_lake(_with_group(generate(patients, seed=seed), people))
        LakeState.objects.all().delete()
        LakeState.objects.create(patients=patients, seed=seed, fingerprint=expected, resources=count)
    return Loaded(patients=patients, resources=count, skipped=False)


def login_email(beneficiary: Beneficiary) -> str:
    return f"{beneficiary.username.lower()}@{LOGIN_DOMAIN}"


def ensure_logins(people: list[Beneficiary]) -> list[Beneficiary]:
    """The beneficiaries' portal sign-ins (username BBUser000nn, its password, a verified
    sandbox address), each linked to its Patient. Existing sign-ins are left as they are."""
    with transaction.atomic():
        for person in people[:LOGINS]:
            link = PatientLink.objects.filter(patient_id=person.patient_id).select_related("user").first()
            if link is not None:
                continue
            user = accounts.create_account(
                email=login_email(person), password=person.password, full_name=person.name, email_verified=True
            )
            user.username = person.username
            user.save(update_fields=["username"])
            PatientLink.objects.create(user=user, patient_id=person.patient_id)
    return people[:LOGINS]
