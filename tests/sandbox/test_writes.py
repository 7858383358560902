"""Writes into the partner's own partition: the GPID boundary, versions, the read-only
lake, Bundles as sync jobs with the seed's webhook payloads."""

from __future__ import annotations

import json

import pytest

from pipeline.models import SyncJob
from sandbox import ingest, tasks
from webhooks.models import Event

FHIR = "application/fhir+json"


@pytest.fixture
def writer(issue):
    return issue(scopes=["cms.partner.read", "cms.fhir.r4.read", "cms.fhir.rest.write", "cms.fhir.bundle.push"]).secret


def send(client, method, path, token, body=None, gpid=None, **headers):
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}", **headers}
    if gpid:
        extra["HTTP_X_GPID_BOUNDARY"] = gpid
    data = body if isinstance(body, bytes | str) else json.dumps(body) if body is not None else ""
    return getattr(client, method)(path, data, content_type=extra.pop("content_type", FHIR), **extra)


PATIENT = {"resourceType": "Patient", "name": [{"family": "Partner", "given": ["Paula"]}], "gender": "female"}


def test_writes_need_the_callers_gpid_boundary(client, lake, writer, acme, beta):
    missing = send(client, "post", "/fhir/R4/Patient", writer, PATIENT)
    assert missing.status_code == 400 and "X-GPID-Boundary" in missing.json()["issue"][0]["diagnostics"]
    wrong = send(client, "post", "/fhir/R4/Patient", writer, PATIENT, gpid=beta.gpid)
    assert wrong.status_code == 403 and wrong.json()["resourceType"] == "OperationOutcome"
    ok = send(client, "post", "/fhir/R4/Patient", writer, PATIENT, gpid=acme.gpid)
    assert ok.status_code == 201 and ok["Location"].endswith("/_history/1") and ok["ETag"] == 'W/"1"'
    created = ok.json()
    assert created["meta"]["versionId"] == "1" and created["name"][0]["family"] == "Partner"


def test_the_partition_is_the_partners_own(client, lake, writer, acme, issue, beta):
    created = send(client, "post", "/fhir/R4/Patient", writer, PATIENT, gpid=acme.gpid).json()
    path = f"/fhir/R4/Patient/{created['id']}"
    assert client.get(path, HTTP_AUTHORIZATION=f"Bearer {writer}").status_code == 200
    bob = issue(scopes=["cms.fhir.r4.read"], partner=beta, by=beta.memberships.get().user).secret
    assert client.get(path, HTTP_AUTHORIZATION=f"Bearer {bob}").status_code == 404
    bobs_search = client.get("/fhir/R4/Patient?name=partner", HTTP_AUTHORIZATION=f"Bearer {bob}").json()
    assert bobs_search["total"] == 0


def test_update_versions_delete_and_history(client, lake, writer, acme):
    created = send(client, "post", "/fhir/R4/Patient", writer, PATIENT, gpid=acme.gpid).json()
    path = f"/fhir/R4/Patient/{created['id']}"
    changed = {**PATIENT, "id": created["id"], "gender": "other"}
    stale = send(client, "put", path, writer, changed, gpid=acme.gpid, HTTP_IF_MATCH='W/"7"')
    assert stale.status_code == 412
    updated = send(client, "put", path, writer, changed, gpid=acme.gpid, HTTP_IF_MATCH='W/"1"')
    assert updated.status_code == 200 and updated.json()["meta"]["versionId"] == "2"
    assert client.get(f"{path}/_history/1", HTTP_AUTHORIZATION=f"Bearer {writer}").json()["gender"] == "female"
    assert send(client, "delete", path, writer, gpid=acme.gpid).status_code == 204
    assert client.get(path, HTTP_AUTHORIZATION=f"Bearer {writer}").status_code == 410
    history = client.get(f"{path}/_history", HTTP_AUTHORIZATION=f"Bearer {writer}").json()
    assert [e.get("response", {}).get("status") for e in history["entry"]] == ["410 Gone", "200 OK", "200 OK"]


def test_update_as_create_and_mismatched_ids(client, lake, writer, acme):
    resp = send(client, "put", "/fhir/R4/Patient/mine-1", writer, {**PATIENT, "id": "mine-1"}, gpid=acme.gpid)
    assert resp.status_code == 201
    wrong = send(client, "put", "/fhir/R4/Patient/mine-2", writer, {**PATIENT, "id": "other"}, gpid=acme.gpid)
    assert wrong.status_code == 400 and "must equal" in wrong.json()["issue"][0]["diagnostics"]


def test_the_lake_is_read_only(client, lake, writer, acme):
    resp = send(client, "put", "/fhir/R4/Patient/p1", writer, {**PATIENT, "id": "p1"}, gpid=acme.gpid)
    assert resp.status_code == 403 and "read-only" in resp.json()["issue"][0]["diagnostics"]
    assert send(client, "delete", "/fhir/R4/Patient/p1", writer, gpid=acme.gpid).status_code == 403


def test_writing_needs_a_write_scope(client, lake, fhir_token, acme):
    resp = send(client, "post", "/fhir/R4/Patient", fhir_token, PATIENT, gpid=acme.gpid)
    assert resp.status_code == 403 and "cms.fhir.rest.write" in resp.json()["issue"][0]["diagnostics"]


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", FHIR, 400),
        (b'{"resourceType": "Patient", "x": "\x00"}', FHIR, 400),
        (b"\xff\xfe{}", FHIR, 400),
        ("[" * 5000 + "]" * 5000, FHIR, 400),
        (json.dumps(PATIENT), "text/plain", 415),
        (json.dumps({"resourceType": "Observation"}), FHIR, 400),
        (json.dumps({**PATIENT, "gender": ""}), FHIR, 422),
    ],
)
def test_bad_bodies_are_specific_4xx(client, lake, writer, acme, body, content_type, status):
    resp = send(client, "post", "/fhir/R4/Patient", writer, body, gpid=acme.gpid, content_type=content_type)
    assert resp.status_code == status and resp.json()["resourceType"] == "OperationOutcome"


def transaction(*entries):
    return {"resourceType": "Bundle", "type": "transaction", "entry": list(entries)}


def post_entry(resource, full_url=""):
    entry = {"resource": resource, "request": {"method": "POST", "url": resource["resourceType"]}}
    if full_url:
        entry["fullUrl"] = full_url
    return entry


OBSERVATION = {
    "resourceType": "Observation",
    "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4"}]},
    "subject": {"reference": "urn:uuid:11111111-1111-1111-1111-111111111111"},
}


def test_a_transaction_resolves_references_and_completes_a_sync_job(client, lake, writer, acme):
    bundle = transaction(
        post_entry(PATIENT, "urn:uuid:11111111-1111-1111-1111-111111111111"),
        post_entry(OBSERVATION),
    )
    resp = send(client, "post", "/fhir/R4", writer, bundle, gpid=acme.gpid)
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["type"] == "transaction-response"
    assert [e["response"]["status"] for e in body["entry"]] == ["201 Created", "201 Created"]
    patient_id = body["entry"][0]["response"]["location"].split("/")[1]
    found = client.get(f"/fhir/R4/Observation?patient={patient_id}", HTTP_AUTHORIZATION=f"Bearer {writer}").json()
    assert found["total"] == 1
    job = SyncJob.objects.get(public_id=resp["X-Sync-Job"])
    assert job.status == "completed" and job.records_processed == 2
    event = Event.objects.get(type="pipeline.sync.completed")
    assert list(event.payload) == [
        "event",
        "job_id",
        "partner_gpid",
        "resource_types",
        "records_processed",
        "completed_at",
    ]
    assert event.payload["resource_types"] == ["Observation", "Patient"] and event.payload["partner_gpid"] == acme.gpid


def test_an_invalid_entry_fails_the_whole_transaction(client, lake, writer, acme):
    bad = {**OBSERVATION, "status": ""}
    resp = send(client, "post", "/fhir/R4", writer, transaction(post_entry(PATIENT), post_entry(bad)), gpid=acme.gpid)
    assert resp.status_code == 422
    assert "Bundle entry 1" in resp.json()["issue"][0]["diagnostics"]
    assert resp.json()["issue"][0]["expression"] == ["Bundle.entry[1].resource.status"]
    job = SyncJob.objects.get()
    assert job.status == "failed" and job.error_message == "Bundle entry 1 failed FHIR validation"
    event = Event.objects.get(type="pipeline.sync.failed")
    assert list(event.payload) == ["event", "job_id", "error_code", "message", "failed_at"]
    assert event.payload["error_code"] == "VALIDATION_ERROR"
    search = client.get("/fhir/R4/Patient?name=partner", HTTP_AUTHORIZATION=f"Bearer {writer}").json()
    assert search["total"] == 0  # nothing half-written


def test_a_batch_reports_each_entry(client, lake, writer, acme):
    bundle = {**transaction(post_entry(PATIENT), post_entry({**PATIENT, "gender": ""})), "type": "batch"}
    resp = send(client, "post", "/fhir/R4", writer, bundle, gpid=acme.gpid)
    assert resp.status_code == 200
    assert [e["response"]["status"][:3] for e in resp.json()["entry"]] == ["201", "422"]
    job = SyncJob.objects.get()
    assert (job.status, job.records_processed, job.records_failed) == ("completed", 1, 1)


def test_bundles_need_a_push_scope(client, lake, issue, acme):
    token = issue(scopes=["cms.fhir.r4.read", "cms.fhir.rest.write"]).secret
    resp = send(client, "post", "/fhir/R4", token, transaction(post_entry(PATIENT)), gpid=acme.gpid)
    assert resp.status_code == 403 and "cms.fhir.bundle.push" in resp.json()["issue"][0]["diagnostics"]


def test_a_large_bundle_is_accepted_and_polled(client, lake, writer, acme, monkeypatch):
    monkeypatch.setattr(ingest, "INLINE_ENTRIES", 2)
    bundle = transaction(*(post_entry({**PATIENT, "name": [{"family": f"Many{n}"}]}) for n in range(5)))
    resp = send(client, "post", "/fhir/R4", writer, bundle, gpid=acme.gpid)
    assert resp.status_code == 202
    status_url = resp["Content-Location"].split("testserver", 1)[1]
    pending = client.get(status_url, HTTP_AUTHORIZATION=f"Bearer {writer}")
    assert pending.status_code == 202 and pending["Retry-After"]
    tasks.ingest_bundle.apply(args=[SyncJob.objects.get().pk])
    done = client.get(status_url, HTTP_AUTHORIZATION=f"Bearer {writer}")
    assert done.status_code == 200 and len(done.json()["entry"]) == 5
    assert SyncJob.objects.get().request_body == ""


def test_another_partner_cannot_poll_a_push(client, lake, writer, acme, issue, beta, monkeypatch):
    monkeypatch.setattr(ingest, "INLINE_ENTRIES", 0)
    resp = send(client, "post", "/fhir/R4", writer, transaction(post_entry(PATIENT)), gpid=acme.gpid)
    bob = issue(scopes=["cms.fhir.r4.read"], partner=beta, by=beta.memberships.get().user).secret
    status_url = resp["Content-Location"].split("testserver", 1)[1]
    assert client.get(status_url, HTTP_AUTHORIZATION=f"Bearer {bob}").status_code == 404
    assert client.get(status_url).status_code == 401


def test_a_pushed_bundle_is_delivered_to_the_partners_webhook(client, lake, writer, acme):
    from standardwebhooks import Webhook

    from tests.webhooks.receiver import serve
    from webhooks import services as webhooks
    from webhooks.delivery import attempt
    from webhooks.models import Delivery

    owner = acme.memberships.get(role="owner").user
    for receiver in serve():
        created = webhooks.create_endpoint(
            partner=acme, url=receiver.url, event_types=["pipeline.sync.completed"], by=owner
        )
        resp = send(client, "post", "/fhir/R4", writer, transaction(post_entry(PATIENT)), gpid=acme.gpid)
        assert resp.status_code == 200
        attempt(Delivery.objects.get().pk, owner="test")
        (request,) = receiver.wait_for(1)
        payload = Webhook(created.secret).verify(request.body, request.headers)
        assert payload["event"] == "pipeline.sync.completed" and payload["job_id"] == resp["X-Sync-Job"]
        assert payload["records_processed"] == 1 and payload["resource_types"] == ["Patient"]
