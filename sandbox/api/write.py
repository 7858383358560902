"""/fhir/R4 writes into the caller's partition: create, update, delete, Bundles."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.http import http_date

from lib.request_context import RequestMeta
from lib.tasks import queue_after_commit
from partners.models import Partner
from pipeline import services as pipeline
from pipeline.models import SyncJob
from sandbox import access, checks, ingest, services, tasks
from sandbox.api.base import Call, base_url, fhir, fhir_view, known_type
from sandbox.models import Resource
from sandbox.outcome import FhirError, Problem, outcome

MAX_DEPTH = 64


def _json_body(request: HttpRequest) -> Any:
    """The request's JSON, or a specific 4xx: wrong media type, too big, not UTF-8, NUL
    bytes, not JSON, nested absurdly deep."""
    content_type = (request.content_type or "").lower()
    if content_type not in ("application/fhir+json", "application/json", "application/json+fhir"):
        raise FhirError(415, "not-supported", "Send FHIR JSON: Content-Type: application/fhir+json.")
    try:
        raw = request.body
    except RequestDataTooBig as exc:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
        raise FhirError(
            413, "too-long", f"The body is larger than {limit} KiB; split the data into several requests."
        ) from exc
    if b"\x00" in raw:
        raise FhirError(400, "structure", "The body contains a NUL byte, which JSON does not allow.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FhirError(400, "structure", f"The body is not valid UTF-8 (byte {exc.start}).") from exc
    try:
        value = json.loads(text)
    except RecursionError as exc:
        raise FhirError(400, "structure", "The JSON is nested too deeply.") from exc
    except json.JSONDecodeError as exc:
        raise FhirError(
            400, "structure", f"The body is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from exc
    if _depth(value) > MAX_DEPTH:
        raise FhirError(400, "structure", f"The JSON is nested more than {MAX_DEPTH} levels deep.")
    return value


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return deepest


def _boundary(request: HttpRequest, call: Call) -> None:
    services.check_boundary(request.headers.get(services.GPID_HEADER), partner_gpid=call.principal.partner_gpid)


def _written(row: Resource, status: int, request: HttpRequest) -> HttpResponse:
    prefer = request.headers.get("Prefer", "")
    response = HttpResponse(status=status) if "return=minimal" in prefer else fhir(row.body, status)
    response["Location"] = f"{base_url(request)}/{row.resource_type}/{row.logical_id}/_history/{row.version_id}"
    response["ETag"] = f'W/"{row.version_id}"'
    response["Last-Modified"] = http_date(row.last_updated.timestamp())
    return response


def create(request: HttpRequest, call: Call, resource_type: str) -> HttpResponse:
    known_type(resource_type)
    call.action, call.resource_type, call.interaction = "fhir.create", resource_type, f"POST {resource_type}"
    grant = call.grant(resource_type, "c")
    _boundary(request, call)
    written = services.create(
        partner_id=call.principal.partner_id,
        resource_type=resource_type,
        resource=_json_body(request),
        if_none_exist=request.headers.get("If-None-Exist", ""),
        grant=grant,
    )
    call.patient = written.row.patient
    call.interaction = f"POST {written.row.reference}"
    return _written(written.row, 201 if written.created else 200, request)


def update(request: HttpRequest, call: Call, resource_type: str, logical_id: str) -> HttpResponse:
    known_type(resource_type)
    call.action, call.resource_type = "fhir.update", resource_type
    call.interaction = f"PUT {resource_type}/{logical_id}"
    call.grant(resource_type, "u")
    _boundary(request, call)
    written = services.update(
        partner_id=call.principal.partner_id,
        resource_type=resource_type,
        logical_id=logical_id,
        resource=_json_body(request),
        if_match=request.headers.get("If-Match", ""),
    )
    call.patient = written.row.patient
    return _written(written.row, 201 if written.created else 200, request)


def delete(request: HttpRequest, call: Call, resource_type: str, logical_id: str) -> HttpResponse:
    known_type(resource_type)
    call.action, call.resource_type = "fhir.delete", resource_type
    call.interaction = f"DELETE {resource_type}/{logical_id}"
    call.grant(resource_type, "d")
    _boundary(request, call)
    row = services.delete(partner_id=call.principal.partner_id, resource_type=resource_type, logical_id=logical_id)
    if row is not None:
        call.patient = row.patient
    return HttpResponse(status=204)


@fhir_view(("POST",))
def system_level(request: HttpRequest, call: Call) -> HttpResponse:
    """POST /fhir/R4: a transaction or batch Bundle into the caller's partition; a sync job.
    Small Bundles answer at once; large ones 202 with a status URL to poll."""
    call.action, call.interaction = "fhir.bundle", "POST Bundle"
    if not access.may_push_bundles(call.principal.scopes):
        raise FhirError(403, "forbidden", "Pushing Bundles needs cms.fhir.bundle.push (or system/*.write).")
    _boundary(request, call)
    kind, entries = ingest.shape(_json_body(request))
    call.interaction = f"POST Bundle ({kind}, {len(entries)} entries)"
    ingest.authorize(entries, call.grant)
    partner = Partner.objects.get(pk=call.principal.partner_id)
    source = SyncJob.Source.BUNDLE_PUSH if kind == "transaction" else SyncJob.Source.BATCH
    queued = len(entries) > ingest.INLINE_ENTRIES
    job = pipeline.start_job(
        partner=partner, source=source, records_total=len(entries), by=None, meta=RequestMeta.of(request), queued=queued
    )
    call.extra = {"job_id": job.public_id}
    if queued:
        SyncJob.objects.filter(pk=job.pk).update(request_body=json.dumps({"type": kind, "entry": entries}))
        queue_after_commit(tasks.ingest_bundle, job.pk)
        response = HttpResponse(status=202)
        response["Content-Location"] = f"{base_url(request)}/_async/{job.public_id}"
        return response
    result = ingest.process(job, kind=kind, entries=entries, partner_id=call.principal.partner_id, grant_for=call.grant)
    response = fhir(result.body, result.status)
    response["X-Sync-Job"] = job.public_id
    return response


@fhir_view(("GET",))
def async_status(request: HttpRequest, call: Call, job_id: str) -> HttpResponse:
    """Where a 202'd push tells its client to look: 202 while the worker is busy, then the
    answer the push would have had."""
    call.action, call.interaction = "fhir.bundle_status", f"GET _async/{job_id}"
    job = SyncJob.objects.filter(partner_id=call.principal.partner_id, public_id=job_id).first()
    if job is None:
        raise FhirError(404, "not-found", f"No push {job_id} for your organization.")
    if not job.is_done:
        response = HttpResponse(status=202)
        response["X-Progress"] = f"{job.get_status_display()}: {job.records_total} entries"
        response["Retry-After"] = "2"
        return response
    return fhir(job.result, job.result_status or 200)


@fhir_view(("POST",))
def validate_operation(request: HttpRequest, call: Call, resource_type: str) -> HttpResponse:
    """POST [type]/$validate: the OperationOutcome of base and profile validation, stored
    nowhere. The body is the resource, or a Parameters with ``resource`` (and ``profile``);
    ``?profile=`` names a profile to validate against instead of meta.profile."""
    known_type(resource_type)
    call.action, call.resource_type = "fhir.validate", resource_type
    call.interaction = f"POST {resource_type}/$validate"
    try:
        call.grant(resource_type, "c")
    except FhirError:
        call.grant(resource_type, "r")
    body = _json_body(request)
    profiles = request.GET.getlist("profile")
    if isinstance(body, dict) and body.get("resourceType") == "Parameters":
        body, named = _from_parameters(body)
        profiles.extend(named)
    if not isinstance(body, dict) or body.get("resourceType") != resource_type:
        raise FhirError(
            400, "invalid", f"Send the {resource_type} to validate (or a Parameters with it as 'resource')."
        )
    found = checks.problems(body, profiles or None)
    if not found:
        found = [Problem("information", "informational", "No problems found.")]
    return fhir(json.dumps(outcome(found), ensure_ascii=False, separators=(",", ":")))


def _from_parameters(parameters: dict[str, Any]) -> tuple[Any, list[str]]:
    """$validate's Parameters form: the ``resource`` and any ``profile`` canonicals."""
    resource: Any = None
    profiles: list[str] = []
    for parameter in parameters.get("parameter", []):
        if not isinstance(parameter, dict):
            continue
        if parameter.get("name") == "resource":
            resource = parameter.get("resource")
        elif parameter.get("name") == "profile":
            url = parameter.get("valueUri") or parameter.get("valueCanonical")
            if isinstance(url, str):
                profiles.append(url)
    return resource, profiles
