"""/fhir/R4 reads: metadata, read, vread, history, search (GET and POST _search)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.http import http_date, quote_etag

from sandbox import bundles
from sandbox.api import write
from sandbox.api.base import Call, base_url, fhir, fhir_view, find, known_type, not_found, visible
from sandbox.capability import capability_statement
from sandbox.outcome import FhirError, Problem
from sandbox.search import query
from sandbox.search.includes import included


@fhir_view(("GET", "HEAD", "OPTIONS"), authenticated=False)
def metadata(request: HttpRequest, call: None) -> HttpResponse:
    response = fhir(capability_statement(base_url(request)))
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=300"
    return response


@fhir_view(("GET", "HEAD", "PUT", "DELETE"))
def instance(request: HttpRequest, call: Call, resource_type: str, logical_id: str) -> HttpResponse:
    if request.method == "PUT":
        return write.update(request, call, resource_type, logical_id)
    if request.method == "DELETE":
        return write.delete(request, call, resource_type, logical_id)
    return _read(request, call, resource_type, logical_id)


def _read(request: HttpRequest, call: Call, resource_type: str, logical_id: str) -> HttpResponse:
    known_type(resource_type)
    call.interaction, call.resource_type = f"GET {resource_type}/{logical_id}", resource_type
    grant = call.grant(resource_type, "r")
    row = find(call, resource_type, logical_id)
    if not visible(call, row, grant):
        raise not_found(resource_type, logical_id)  # outside the token's reach: as if absent
    call.patient = row.patient or (row.logical_id if resource_type == "Patient" else "")
    if row.deleted:
        raise FhirError(410, "deleted", f"{resource_type}/{logical_id} was deleted (version {row.version_id}).")
    etag = quote_etag(str(row.version_id)).join(("W/", ""))
    headers = {"ETag": etag, "Last-Modified": http_date(row.last_updated.timestamp())}
    if request.headers.get("If-None-Match") in (etag, f'"{row.version_id}"'):
        response = HttpResponse(status=304)
    else:
        response = fhir(row.body)
    for name, value in headers.items():
        response[name] = value
    return response


@fhir_view(("GET",))
def vread(request: HttpRequest, call: Call, resource_type: str, logical_id: str, version_id: str) -> HttpResponse:
    known_type(resource_type)
    call.interaction, call.resource_type = f"GET {resource_type}/{logical_id}/_history/{version_id}", resource_type
    grant = call.grant(resource_type, "r")
    row = find(call, resource_type, logical_id)
    if not visible(call, row, grant):
        raise not_found(resource_type, logical_id)
    call.patient = row.patient
    version = row.versions.filter(version_id=int(version_id) if version_id.isdigit() else -1).first()
    if version is None:
        raise FhirError(404, "not-found", f"{resource_type}/{logical_id} has no version {version_id}.")
    if version.deleted:
        raise FhirError(410, "deleted", f"Version {version_id} of {resource_type}/{logical_id} is a deletion.")
    response = fhir(version.body)
    response["ETag"] = f'W/"{version.version_id}"'
    response["Last-Modified"] = http_date(version.last_updated.timestamp())
    return response


@fhir_view(("GET",))
def instance_history(request: HttpRequest, call: Call, resource_type: str, logical_id: str) -> HttpResponse:
    known_type(resource_type)
    call.interaction, call.resource_type = f"GET {resource_type}/{logical_id}/_history", resource_type
    grant = call.grant(resource_type, "r")
    row = find(call, resource_type, logical_id)
    if not visible(call, row, grant):
        raise not_found(resource_type, logical_id)
    call.patient = row.patient
    versions = list(row.versions.order_by("-version_id")[:100])
    return fhir(bundles.history(row, versions, base=call.base))


def _search_pairs(request: HttpRequest) -> list[tuple[str, str]]:
    pairs = [(k, v) for k, values in request.GET.lists() for v in values]
    if request.method == "POST":
        content_type = request.content_type or ""
        if content_type not in ("application/x-www-form-urlencoded", ""):
            raise FhirError(415, "not-supported", "POST _search takes application/x-www-form-urlencoded parameters.")
        pairs += [(k, v) for k, values in request.POST.lists() for v in values]
    return pairs


def _search(request: HttpRequest, call: Call, resource_type: str) -> HttpResponse:
    known_type(resource_type)
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
    return fhir(bundles.searchset(page, search, base=call.base, included=extra, warnings=warnings))


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
    return write.create(request, call, resource_type)


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
