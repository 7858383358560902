"""/fhir/R4 Bulk Data $export: kick-off, status, files, cancel."""

from __future__ import annotations

import json

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.http import http_date

from lib.tasks import queue_after_commit
from sandbox import export, tasks
from sandbox.api.base import Call, base_url, fhir_view
from sandbox.models import ExportJob, Resource
from sandbox.outcome import FhirError


def _kickoff(request: HttpRequest, call: Call, level: str, group_id: str = "") -> HttpResponse:
    call.action = "fhir.export"
    call.interaction = f"GET {request.get_full_path()}"[:200]
    if "respond-async" not in request.headers.get("Prefer", ""):
        raise FhirError(400, "invalid", "Bulk export is asynchronous: send Prefer: respond-async.")
    if (
        level == ExportJob.Level.GROUP
        and not Resource.objects.visible_to(call.principal.partner_id)
        .filter(resource_type="Group", logical_id=group_id, deleted=False)
        .exists()
    ):
        raise FhirError(404, "not-found", f"Group/{group_id} is not in the sandbox.")
    params = {k: request.GET.getlist(k) for k in request.GET}
    kickoff = export.parse_kickoff(
        params,
        level=level,
        group_id=group_id,
        lenient="handling=lenient" in request.headers.get("Prefer", ""),
        readable=export.readable_types(call.grant_or_none),
    )
    job = export.start(
        partner_id=call.principal.partner_id,
        credential_id=call.principal.credential_id,
        kickoff=kickoff,
        request_url=request.build_absolute_uri(),
    )
    call.extra = {"export": job.public_id, "types": kickoff.types}
    queue_after_commit(tasks.run_export, job.pk)
    response = HttpResponse(status=202)
    response["Content-Location"] = f"{base_url(request)}/_export/{job.public_id}"
    return response


@fhir_view(("GET",))
def export_system(request: HttpRequest, call: Call) -> HttpResponse:
    return _kickoff(request, call, ExportJob.Level.SYSTEM)


@fhir_view(("GET",))
def export_patients(request: HttpRequest, call: Call) -> HttpResponse:
    return _kickoff(request, call, ExportJob.Level.PATIENT)


@fhir_view(("GET",))
def export_group(request: HttpRequest, call: Call, group_id: str) -> HttpResponse:
    return _kickoff(request, call, ExportJob.Level.GROUP, group_id)


def _export_job(call: Call, job_id: str) -> ExportJob:
    job = ExportJob.objects.filter(partner_id=call.principal.partner_id, public_id=job_id).first()
    if job is None or job.expires_at <= timezone.now():
        raise FhirError(
            404, "not-found", f"No export {job_id} for your organization (finished exports expire after 24 hours)."
        )
    return job


@fhir_view(("GET", "DELETE"))
def export_status(request: HttpRequest, call: Call, job_id: str) -> HttpResponse:
    call.action, call.interaction = "fhir.export_status", f"{request.method} _export/{job_id}"
    job = _export_job(call, job_id)
    if request.method == "DELETE":
        export.cancel(job)
        return HttpResponse(status=202)
    if not job.is_done:
        response = HttpResponse(status=202)
        response["X-Progress"] = job.progress or job.get_status_display()
        response["Retry-After"] = "2"
        return response
    if job.status == ExportJob.Status.FAILED:
        raise FhirError(500, "exception", f"The export failed: {job.progress}")
    response = HttpResponse(
        json.dumps(export.manifest(job, base=base_url(request)), separators=(",", ":")), content_type="application/json"
    )
    response["Expires"] = http_date(job.expires_at.timestamp())
    return response


@fhir_view(("GET",))
def export_file(request: HttpRequest, call: Call, job_id: str, resource_type: str) -> HttpResponseBase:
    call.action, call.interaction = "fhir.export_download", f"GET _export/{job_id}/{resource_type}.ndjson"
    call.resource_type = resource_type
    job = _export_job(call, job_id)
    item = next((o for o in job.output if o["type"] == resource_type), None)
    if item is None or not default_storage.exists(item["file"]):
        raise FhirError(404, "not-found", f"Export {job_id} has no {resource_type} file.")
    return FileResponse(default_storage.open(item["file"], "rb"), content_type="application/fhir+ndjson")
