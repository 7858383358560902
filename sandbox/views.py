"""/fhir/R4: metadata, read, vread, history and search over the lake and the caller's
partition. Plain Django views (no DRF): answers are the stored bytes, errors are
OperationOutcomes, and every authenticated access writes one audit record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.http import http_date, quote_etag
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.gzip import gzip_page

from audit import services as audit
from audit.models import AuditEvent
from lib.request_context import RequestMeta
from sandbox import access, bundles
from sandbox.capability import capability_statement
from sandbox.models import Resource
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


View = Callable[..., HttpResponse]


def fhir_view(methods: tuple[str, ...], *, authenticated: bool = True) -> Callable[[View], View]:
    """Bearer authentication, content negotiation, OperationOutcome errors and the audit."""

    def decorate(view: View) -> View:
        @csrf_exempt
        @gzip_page
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            call: Call | None = None
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


@fhir_view(("GET", "HEAD"))
def read(request: HttpRequest, call: Call, resource_type: str, logical_id: str) -> HttpResponse:
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


@fhir_view(("GET",))
def search_type(request: HttpRequest, call: Call, resource_type: str) -> HttpResponse:
    return _search(request, call, resource_type)


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
