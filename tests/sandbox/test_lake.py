"""The generated lake as loaded by sandbox_generate and seed_demo."""

from __future__ import annotations

import json

from django.contrib.auth import authenticate
from django.core.management import call_command

from sandbox import lake
from sandbox.models import LakeState, Resource
from sandbox.synthetic import beneficiaries
from tokens.models import PatientLink


def test_sandbox_generate_loads_the_lake_once_with_sign_ins(db, capsys):
    call_command("sandbox_generate", "--patients", "2")
    state = LakeState.objects.get()
    assert state.patients == 2 and state.resources == Resource.objects.filter(partner__isnull=True).count()
    group = Resource.objects.get(resource_type="Group", logical_id=lake.ALL_BENEFICIARIES_GROUP)
    assert [m["entity"]["reference"] for m in group.content["member"]] == ["Patient/bb-00000", "Patient/bb-00001"]
    link = PatientLink.objects.get(patient_id="bb-00001")
    assert link.user.username == "BBUser00001"
    assert authenticate(username="BBUser00001", password="PW00001!") == link.user
    before = Resource.objects.order_by("pk").values_list("pk", flat=True).first()
    call_command("sandbox_generate", "--patients", "2")
    assert Resource.objects.order_by("pk").values_list("pk", flat=True).first() == before  # skipped, not reloaded
    assert "already loaded" in capsys.readouterr().err


def test_every_beneficiary_has_a_patient_and_claims_in_the_lake(db):
    lake.load(patients=3)
    for person in beneficiaries(3):
        assert Resource.objects.filter(resource_type="Patient", logical_id=person.patient_id).exists()
        claims = Resource.objects.filter(resource_type="ExplanationOfBenefit", patient=person.patient_id).count()
        assert claims >= 30


def test_seed_demo_json_lists_the_beneficiaries(db, capsys):
    call_command("seed_demo", "--json")
    data = json.loads(capsys.readouterr().out)
    assert [b["username"] for b in data["beneficiaries"]] == ["BBUser00000", "BBUser00001"]
    assert data["beneficiaries"][0] == {"username": "BBUser00000", "password": "PW00000!", "patient_id": "bb-00000"}
