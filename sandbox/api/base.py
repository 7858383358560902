"""What every /fhir/R4 view shares: bearer authentication, content negotiation,
OperationOutcome errors, the audit record, and finding a resource the caller may see.
Plain Django views (no DRF): answers are the stored bytes, errors are OperationOutcomes,
and every authenticated access writes one audit record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.gzip import gzip_page

from audit import services as audit
from audit.models import AuditEvent
from lib import ratelimit
from lib.request_context import RequestMeta
from sandbox import access
from sandbox.models import Resource
from sandbox.outcome import FHIR_JSON, FhirError, error_response
from sandbox.search import params as defs
from sandbox.search import query
from scopes import catalog
from tokens.auth import REALM, InvalidToken, Principal, resolve

ACCEPTABLE = ("application/fhir+json", "application/json", "application/*", "*/*", "application/json+fhir")
FORMATS = ("json", "application/fhir+json", "application/json")
R5_READ = "cms.fhir.r5.read"


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
    read_scope: str = access.READ_ALL

    def grant(self, resource_type: str, permission: str) -> access.Grant:
        return access.grant(
            scopes=self.principal.scopes,
            patient_context=self.principal.patient,
            resource_type=resource_type,
            permission=permission,
            read_scope=self.read_scope,
        )

    def grant_or_none(self, resource_type: str, permission: str = "r") -> access.Grant | None:
        try:
            return self.grant(resource_type, permission)
        except FhirError:
            return None


def base_url(request: HttpRequest, version: str = "R4") -> str:
    return request.build_absolute_uri(f"/fhir/{version}").rstrip("/")


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


# The seed's published limits, per credential: 500 requests a minute, bursts of 30 a second.
RATE_LIMITS = ((30, 1), (500, 60))


def _throttle(principal: Principal) -> None:
    for limit, period in RATE_LIMITS:
        try:
            ratelimit.check(
                f"fhir:{principal.rate_limit_key}:{period}",
                limit=limit,
                period=period,
                message=f"Rate limit: {limit} requests per {'second' if period == 1 else 'minute'} per credential.",
            )
        except ratelimit.TooManyAttempts as exc:
            raise FhirError(
                429,
                "throttled",
                f"{exc} Retry after {exc.retry_after} s.",
                headers={"Retry-After": str(exc.retry_after)},
            ) from exc


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
# Browser SMART apps call the FHIR API from other origins with a bearer token (never
# cookies), so every origin may: the token, not the origin, is the credential.
CORS_HEADERS = "Authorization, Content-Type, Accept, Prefer, If-Match, If-None-Match, If-None-Exist, X-GPID-Boundary"
CORS_EXPOSE = "Location, Content-Location, ETag, Last-Modified, X-Progress, Retry-After, X-Request-ID, X-Sync-Job"


def _cors(response: HttpResponseBase, methods: tuple[str, ...]) -> HttpResponseBase:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = CORS_EXPOSE
    if response.status_code == 204 and not response.has_header("Allow"):
        response["Access-Control-Allow-Methods"] = ", ".join(sorted({*methods, "OPTIONS"}))
        response["Access-Control-Allow-Headers"] = CORS_HEADERS
        response["Access-Control-Max-Age"] = "600"
    return response


def fhir_view(methods: tuple[str, ...], *, authenticated: bool = True, version: str = "R4") -> Callable[[View], View]:
    """Bearer authentication, content negotiation, OperationOutcome errors and the audit."""

    def decorate(view: View) -> View:
        @csrf_exempt
        @gzip_page
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            call: Call | None = None
            response: HttpResponseBase
            if request.method == "OPTIONS":  # a browser's CORS preflight: no credentials, no data
                return _cors(HttpResponse(status=204), methods)
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
                _throttle(principal)
                call = Call(request=request, principal=principal, base=base_url(request, version))
                if version == "R5":
                    call.read_scope = R5_READ
                response = view(request, call, *args, **kwargs)
            except FhirError as exc:
                response = error_response(exc)
            if call is not None:
                _audit(call, response.status_code)
            return _cors(response, methods)

        return wrapper

    return decorate


def fhir(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type=FHIR_JSON)


def known_type(resource_type: str) -> defs.TypeDef:
    type_def = defs.TYPES.get(resource_type)
    if type_def is None:
        raise FhirError(
            404,
            "not-supported",
            f"The sandbox does not serve {resource_type!r}; /fhir/R4/metadata lists the resource types it does.",
        )
    return type_def


def find(call: Call, resource_type: str, logical_id: str) -> Resource:
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


def visible(call: Call, row: Resource, grant: access.Grant) -> bool:
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


def not_found(resource_type: str, logical_id: str) -> FhirError:
    return FhirError(
        404, "not-found", f"{resource_type}/{logical_id} is not in the sandbox (the lake or your partition)."
    )
