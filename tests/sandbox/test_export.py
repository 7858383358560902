"""Bulk Data $export, end to end: kick-off, polling, NDJSON files, cancel, expiry."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from sandbox import export, tasks
from sandbox.models import ExportJob

ASYNC = {"HTTP_PREFER": "respond-async", "HTTP_ACCEPT": "application/fhir+json"}


def kick(client, token, path="/fhir/R4/$export", **extra):
    return client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}", **{**ASYNC, **extra})


def local(url):
    return url.split("testserver", 1)[1]


def finish(client, token, resp):
    assert resp.status_code == 202, resp.content
    status_url = local(resp["Content-Location"])
    waiting = client.get(status_url, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert waiting.status_code == 202 and waiting["Retry-After"] and waiting["X-Progress"]
    tasks.run_export.apply(args=[ExportJob.objects.latest("created_at").pk])
    done = client.get(status_url, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert done.status_code == 200
    return status_url, done.json()


@pytest.fixture
def backend(smart_token):
    return smart_token("system/*.read", "")


def test_system_export_end_to_end(client, lake, backend):
    _status_url, manifest = finish(client, backend, kick(client, backend))
    assert manifest["requiresAccessToken"] is True and manifest["error"] == []
    assert manifest["request"].endswith("/fhir/R4/$export") and manifest["transactionTime"].endswith("Z")
    counts = {o["type"]: o["count"] for o in manifest["output"]}
    assert counts["ExplanationOfBenefit"] == 24 and counts["Patient"] == 2 and counts["Organization"] == 1
    eob = next(o for o in manifest["output"] if o["type"] == "ExplanationOfBenefit")
    assert eob["url"].startswith("http://testserver/fhir/R4/_export/")
    resp = client.get(local(eob["url"]), HTTP_AUTHORIZATION=f"Bearer {backend}")
    assert resp.status_code == 200 and resp["Content-Type"] == "application/fhir+ndjson"
    lines = b"".join(resp.streaming_content).decode().splitlines()
    assert len(lines) == 24 and all(json.loads(line)["resourceType"] == "ExplanationOfBenefit" for line in lines)
    assert client.get(local(eob["url"])).status_code == 401


def test_types_since_and_patient_scope(client, lake, backend, smart_token):
    _, manifest = finish(client, backend, kick(client, backend, "/fhir/R4/$export?_type=Patient,Coverage"))
    assert {o["type"] for o in manifest["output"]} == {"Patient", "Coverage"}
    future = (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    _, manifest = finish(client, backend, kick(client, backend, f"/fhir/R4/$export?_since={future}"))
    assert manifest["output"] == []
    patients_only = smart_token("system/Patient.read", "")
    assert kick(client, patients_only, "/fhir/R4/$export?_type=Observation").status_code == 403
    _, manifest = finish(client, patients_only, kick(client, patients_only))
    assert [o["type"] for o in manifest["output"]] == ["Patient"]


def test_patient_and_group_level(client, lake, backend):
    _, manifest = finish(client, backend, kick(client, backend, "/fhir/R4/Patient/$export"))
    assert "Organization" not in {o["type"] for o in manifest["output"]}
    _, manifest = finish(client, backend, kick(client, backend, "/fhir/R4/Group/only-p1/$export"))
    counts = {o["type"]: o["count"] for o in manifest["output"]}
    assert counts["Patient"] == 1 and counts["ExplanationOfBenefit"] == 12
    assert kick(client, backend, "/fhir/R4/Group/nobody/$export").status_code == 404


def test_cancel_removes_the_files_and_the_status(client, lake, backend):
    status_url, _manifest = finish(client, backend, kick(client, backend))
    files = list(ExportJob.objects.get().output)
    assert client.delete(status_url, HTTP_AUTHORIZATION=f"Bearer {backend}").status_code == 202
    gone = client.get(status_url, HTTP_AUTHORIZATION=f"Bearer {backend}")
    assert gone.status_code == 404 and gone.json()["resourceType"] == "OperationOutcome"
    assert not any(default_storage.exists(f["file"]) for f in files)


def test_exports_expire(client, lake, backend):
    status_url, _ = finish(client, backend, kick(client, backend))
    ExportJob.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(status_url, HTTP_AUTHORIZATION=f"Bearer {backend}").status_code == 404
    assert export.expire() == 1 and not ExportJob.objects.exists()


def test_kickoff_rules(client, lake, backend, fhir_token):
    no_async = client.get("/fhir/R4/$export", HTTP_AUTHORIZATION=f"Bearer {backend}")
    assert no_async.status_code == 400 and "respond-async" in no_async.json()["issue"][0]["diagnostics"]
    assert kick(client, backend, "/fhir/R4/$export?_outputFormat=text/csv").status_code == 400
    assert kick(client, backend, "/fhir/R4/$export?_type=Spaceship").status_code == 400
    assert kick(client, backend, "/fhir/R4/$export?_typeFilter=Patient%3Fgender%3Dmale").status_code == 400
    lenient = kick(client, backend, "/fhir/R4/$export?_typeFilter=x", HTTP_PREFER="respond-async, handling=lenient")
    assert lenient.status_code == 202
    assert kick(client, fhir_token).status_code == 403  # a platform read scope is not a Backend Services scope


def test_another_partner_cannot_see_an_export(client, lake, backend, issue, beta):
    status_url, manifest = finish(client, backend, kick(client, backend))
    bob = issue(scopes=["cms.fhir.r4.read"], partner=beta, by=beta.memberships.get().user).secret
    assert client.get(status_url, HTTP_AUTHORIZATION=f"Bearer {bob}").status_code == 404
    assert client.get(local(manifest["output"][0]["url"]), HTTP_AUTHORIZATION=f"Bearer {bob}").status_code == 404
