"""/fhir/R4: metadata, read, vread, history and search over the lake and the caller's
partition. Plain Django views (no DRF): answers are the stored bytes, errors are
OperationOutcomes, and every authenticated access writes one audit record."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.http import http_date, quote_etag
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.gzip import gzip_page

from audit import services as audit
from audit.models import AuditEvent
from lib.request_context import RequestMeta
from lib.tasks import queue_after_commit
from partners.models import Partner
from pipeline import services as pipeline
from pipeline.models import SyncJob
from sandbox import access, bundles, export, ingest, services, tasks
from sandbox.capability import capability_statement
from sandbox.models import ExportJob, Resource
from sandbox.outcome import FHIR_JSON, FhirError, Problem, error_response
from sandbox.search import params as defs
from sandbox.search import query
from sandbox.search.includes import included
from scopes import catalog
from tokens.auth import REALM, InvalidToken, Principal, resolve

ACCEPTABLE = ("application/fhir+json", "application/json", "application/*", "*/*", "application/json+fhir")
FORMATS = ("json", "application/fhir+json", "application/json")


@dataclass
class Call:
    """One FHIR request: who, what it touched (for the audit record)."""

    request: HttpRequest
    principal: Principal
    base: str
    interaction: str = ""
    action: str = "fhir.read"
    resource_type: str = ""
    patient: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def grant(self, resource_type: str, permission: str) -> access.Grant:
        return access.grant(
            scopes=self.principal.scopes,
            patient_context=self.principal.patient,
            resource_type=resource_type,
            permission=permission,
        )

    def grant_or_none(self, resource_type: str, permission: str = "r") -> access.Grant | None:
        try:
            return self.grant(resource_type, permission)
        except FhirError:
            return None


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/fhir/R4").rstrip("/")


def _negotiate(request: HttpRequest) -> None:
    fmt = request.GET.get("_format")
    if fmt and fmt not in FORMATS and not fmt.startswith("application/fhir+json"):
        raise FhirError(406, "not-supported", f"_format={fmt} is not supported: this server speaks JSON only.")
    accept = request.headers.get("Accept", "")
    if accept and not any(kind in accept for kind in ACCEPTABLE):
        raise FhirError(
            406, "not-supported", f"Cannot answer in {accept!r}: ask for application/fhir+json or application/json."
        )


def _authenticate(request: HttpRequest) -> Principal:
    header = request.META.get("HTTP_AUTHORIZATION", "").encode("latin-1", errors="replace").split()
    challenge = {"WWW-Authenticate": f'Bearer realm="{REALM}"'}
    if not header or header[0].lower() != b"bearer":
        raise FhirError(401, "login", "Send a bearer token: “Authorization: Bearer <token>”.", headers=challenge)
    if len(header) != 2:
        raise FhirError(401, "login", "Send exactly one token: “Authorization: Bearer <token>”.", headers=challenge)
    try:
        return resolve(header[1].decode("ascii", errors="replace"))
    except InvalidToken as exc:
        challenge["WWW-Authenticate"] += ', error="invalid_token"'
        raise FhirError(401, "login", str(exc.detail), headers=challenge) from exc


def _audit(call: Call, status: int) -> None:
    principal = call.principal
    categories = []
    type_def = defs.TYPES.get(call.resource_type)
    if type_def is not None:
        categories.append(type_def.data_category)
    outcome = AuditEvent.Outcome.SUCCESS
    if status >= 400:
        outcome = AuditEvent.Outcome.DENIED if status in (401, 403, 404) else AuditEvent.Outcome.FAILURE
    audit.record(
        action=call.action,
        actor_id=principal.user_id,
        partner_id=principal.partner_id or None,
        partner_gpid=principal.partner_gpid,
        client_id=principal.client_id or principal.credential_id,
        meta=RequestMeta.of(call.request),
        outcome=outcome,
        status_code=status,
        interaction=call.interaction[:200],
        patient_ref=f"Patient/{call.patient}" if call.patient else "",
        scopes=catalog.ordered(principal.scopes),
        data_categories=categories,
        details=call.extra,
    )


View = Callable[..., HttpResponseBase]


def fhir_view(methods: tuple[str, ...], *, authenticated: bool = True) -> Callable[[View], View]:
    """Bearer authentication, content negotiation, OperationOutcome errors and the audit."""

    def decorate(view: View) -> View:
        @csrf_exempt
        @gzip_page
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            call: Call | None = None
            response: HttpResponseBase
            try:
                if request.method not in methods:
                    raise FhirError(
                        405,
                        "not-supported",
                        f"{request.method} is not allowed here; use {', '.join(methods)}.",
                        headers={"Allow": ", ".join(methods)},
                    )
                _negotiate(request)
                if not authenticated:
                    return view(request, None, *args, **kwargs)
                principal = _authenticate(request)
                call = Call(request=request, principal=principal, base=base_url(request))
                response = view(request, call, *args, **kwargs)
            except FhirError as exc:
                response = error_response(exc)
            if call is not None:
                _audit(call, response.status_code)
            return response

        return wrapper

    return decorate


def _fhir(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type=FHIR_JSON)


def _known_type(resource_type: str) -> defs.TypeDef:
    type_def = defs.TYPES.get(resource_type)
    if type_def is None:
        raise FhirError(
            404,
            "not-supported",
            f"The sandbox does not serve {resource_type!r}; /fhir/R4/metadata lists the resource types it does.",
        )
    return type_def


@fhir_view(("GET", "HEAD", "OPTIONS"), authenticated=False)
def metadata(request: HttpRequest, call: None) -> HttpResponse:
    response = _fhir(capability_statement(base_url(request)))
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=300"
    return response


def _find(call: Call, resource_type: str, logical_id: str) -> Resource:
    rows = list(
        Resource.objects.visible_to(call.principal.partner_id)
        .filter(resource_type=resource_type, logical_id=logical_id)
        .order_by("partner_id")[:2]
    )
    row = next((r for r in rows if r.partner_id is not None), rows[0] if rows else None)
    if row is None:
        raise FhirError(
            404, "not-found", f"{resource_type}/{logical_id} is not in the sandbox (the lake or your partition)."
        )
    return row


def _visible(call: Call, row: Resource, grant: access.Grant) -> bool:
    """Whether the grant reaches this row (patient compartment, granular filters)."""
    if grant.patient:
        if row.resource_type == "Patient" and row.logical_id != grant.patient:
            return False
        if (
            defs.TYPES[row.resource_type].compartment
            and row.resource_type != "Patient"
            and row.patient != grant.patient
        ):
            return False
    if grant.filters:
        return query.confine(Resource.objects.filter(pk=row.pk), row.resource_type, grant).exists()
    return True


def _not_found(resource_type: str, logical_id: str) -> FhirError:
    return FhirError(
        404, "not-found", f"{resource_type}/{logical_id} is not in the sandbox (the lake or your partition)."
    )


@fhir_view(("GET", "HEAD", "PUT", "DELETE"))
def instance(request: HttpRequest, call: Call, resource_type: str, logical_id: str) -> HttpResponse:
    if request.method == "PUT":
        return _update(request, call, resource_type, logical_id)
    if request.method == "DELETE":
        return _delete(request, call, resource_type, logical_id)
    return _read(request, call, resource_type, logical_id)


def _read(request: HttpRequest, call: Call, resource_type: str, logical_id: str) -> HttpResponse:
    _known_type(resource_type)
    call.interaction, call.resource_type = f"GET {resource_type}/{logical_id}", resource_type
    grant = call.grant(resource_type, "r")
    row = _find(call, resource_type, logical_id)
    if not _visible(call, row, grant):
        raise _not_found(resource_type, logical_id)  # outside the token's reach: as if absent
    call.patient = row.patient or (row.logical_id if resource_type == "Patient" else "")
    if row.deleted:
        raise FhirError(410, "deleted", f"{resource_type}/{logical_id} was deleted (version {row.version_id}).")
    etag = quote_etag(str(row.version_id)).join(("W/", ""))
    headers = {"ETag": etag, "Last-Modified": http_date(row.last_updated.timestamp())}
    if request.headers.get("If-None-Match") in (etag, f'"{row.version_id}"'):
        response = HttpResponse(status=304)
    else:
        response = _fhir(row.body)
    for name, value in headers.items():
        response[name] = value
    return response


@fhir_view(("GET",))
def vread(request: HttpRequest, call: Call, resource_type: str, logical_id: str, version_id: str) -> HttpResponse:
    _known_type(resource_type)
    call.interaction, call.resource_type = f"GET {resource_type}/{logical_id}/_history/{version_id}", resource_type
    grant = call.grant(resource_type, "r")
    row = _find(call, resource_type, logical_id)
    if not _visible(call, row, grant):
        raise _not_found(resource_type, logical_id)
    call.patient = row.patient
    version = row.versions.filter(version_id=int(version_id) if version_id.isdigit() else -1).first()
    if version is None:
        raise FhirError(404, "not-found", f"{resource_type}/{logical_id} has no version {version_id}.")
    if version.deleted:
        raise FhirError(410, "deleted", f"Version {version_id} of {resource_type}/{logical_id} is a deletion.")
    response = _fhir(version.body)
    response["ETag"] = f'W/"{version.version_id}"'
    response["Last-Modified"] = http_date(version.last_updated.timestamp())
    return response


@fhir_view(("GET",))
def instance_history(request: HttpRequest, call: Call, resource_type: str, logical_id: str) -> HttpResponse:
    _known_type(resource_type)
    call.interaction, call.resource_type = f"GET {resource_type}/{logical_id}/_history", resource_type
    grant = call.grant(resource_type, "r")
    row = _find(call, resource_type, logical_id)
    if not _visible(call, row, grant):
        raise _not_found(resource_type, logical_id)
    call.patient = row.patient
    versions = list(row.versions.order_by("-version_id")[:100])
    return _fhir(bundles.history(row, versions, base=call.base))


def _search_pairs(request: HttpRequest) -> list[tuple[str, str]]:
    pairs = [(k, v) for k, values in request.GET.lists() for v in values]
    if request.method == "POST":
        content_type = request.content_type or ""
        if content_type not in ("application/x-www-form-urlencoded", ""):
            raise FhirError(415, "not-supported", "POST _search takes application/x-www-form-urlencoded parameters.")
        pairs += [(k, v) for k, values in request.POST.lists() for v in values]
    return pairs


def _search(request: HttpRequest, call: Call, resource_type: str) -> HttpResponse:
    _known_type(resource_type)
    call.action, call.resource_type = "fhir.search", resource_type
    strict = "handling=strict" in request.headers.get("Prefer", "")
    search = query.parse(resource_type, _search_pairs(request), strict=strict)
    call.interaction = f"SEARCH {resource_type}?{'&'.join(f'{k}={v}' for k, v in search.echo)}"
    grant = call.grant(resource_type, "s")
    call.patient = grant.patient or _searched_patient(search)
    partner_id = call.principal.partner_id
    page = query.run(search, partner_id=partner_id, grant=grant)
    extra = included(page.matches, search, partner_id=partner_id, grant_for=call.grant_or_none)
    warnings: list[Problem] = list(search.warnings)
    return _fhir(bundles.searchset(page, search, base=call.base, included=extra, warnings=warnings))


def _searched_patient(search: query.Search) -> str:
    for criterion in search.criteria:
        if criterion.param.name == "patient" and len(criterion.values) == 1:
            return criterion.values[0].rsplit("/", 1)[-1]
    return ""


@fhir_view(("GET", "POST"))
def type_level(request: HttpRequest, call: Call, resource_type: str) -> HttpResponse:
    """GET: search. POST: create in the caller's partition."""
    if request.method == "GET":
        return _search(request, call, resource_type)
    return _create(request, call, resource_type)


@fhir_view(("POST",))
def search_post(request: HttpRequest, call: Call, resource_type: str) -> HttpResponse:
    return _search(request, call, resource_type)


@fhir_view(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"), authenticated=False)
def unknown(request: HttpRequest, call: None) -> HttpResponse:
    """Anything else under /fhir: a wrong base URL, an id with characters FHIR does not allow..."""
    raise FhirError(
        404,
        "not-found",
        f"No FHIR endpoint at {request.path}: the sandbox's base URL is {base_url(request)} "
        "(resource types start with a capital letter; ids use A-Z, a-z, 0-9, '-' and '.', at most 64).",
    )


# --- Writes ------------------------------------------------------------------------------------------

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
    response = HttpResponse(status=status) if "return=minimal" in prefer else _fhir(row.body, status)
    response["Location"] = f"{base_url(request)}/{row.resource_type}/{row.logical_id}/_history/{row.version_id}"
    response["ETag"] = f'W/"{row.version_id}"'
    response["Last-Modified"] = http_date(row.last_updated.timestamp())
    return response


def _create(request: HttpRequest, call: Call, resource_type: str) -> HttpResponse:
    _known_type(resource_type)
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


def _update(request: HttpRequest, call: Call, resource_type: str, logical_id: str) -> HttpResponse:
    _known_type(resource_type)
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


def _delete(request: HttpRequest, call: Call, resource_type: str, logical_id: str) -> HttpResponse:
    _known_type(resource_type)
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
    response = _fhir(result.body, result.status)
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
    return _fhir(job.result, job.result_status or 200)


# --- Bulk Data $export -------------------------------------------------------------------------------


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
