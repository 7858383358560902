"""/fhir/R5: metadata, read and search of Patient and Observation, as R5, with
``cms.fhir.r5.read`` (or SMART scopes for the type)."""

from __future__ import annotations

import functools
import json

from django.http import HttpRequest, HttpResponse
from django.utils.http import http_date

from sandbox import bundles, r5
from sandbox.api.base import Call, base_url, fhir, fhir_view, find, not_found, visible
from sandbox.capability import capability_statement
from sandbox.models import Resource
from sandbox.outcome import FhirError
from sandbox.search import query
from sandbox.search.includes import included


def _r5_type(resource_type: str) -> None:
    if resource_type not in r5.TYPES:
        raise FhirError(
            404,
            "not-supported",
            f"The R5 endpoint serves {' and '.join(r5.TYPES)}; read {resource_type} from /fhir/R4.",
        )


def _body(row: Resource) -> str:
    return json.dumps(r5.to_r5(row.content), ensure_ascii=False, separators=(",", ":"))


@functools.cache
def _statement(base: str) -> str:
    statement = json.loads(capability_statement(base))
    statement.update(
        id="cms-sandbox-r5",
        url=f"{base}/metadata",
        name="CmsHealthTechSandboxR5",
        title="CMS Health Tech Ecosystem FHIR R5 sandbox (read-only view)",
        fhirVersion="5.0.0",
        instantiates=[],
        implementationGuide=[],
    )
    rest = statement["rest"][0]
    rest["interaction"] = []
    rest["resource"] = [
        {
            **{k: v for k, v in r.items() if k not in ("supportedProfile", "profile", "extension", "searchRevInclude")},
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchInclude": [],
        }
        for r in rest["resource"]
        if r["type"] in r5.TYPES
    ]
    return json.dumps(statement, separators=(",", ":"))


@fhir_view(("GET", "HEAD"), authenticated=False, version="R5")
def metadata(request: HttpRequest, call: None) -> HttpResponse:
    response = fhir(_statement(base_url(request, "R5")))
    response["Access-Control-Allow-Origin"] = "*"
    return response


@fhir_view(("GET",), version="R5")
def read(request: HttpRequest, call: Call, resource_type: str, logical_id: str) -> HttpResponse:
    _r5_type(resource_type)
    call.interaction, call.resource_type = f"GET R5 {resource_type}/{logical_id}", resource_type
    grant = call.grant(resource_type, "r")
    row = find(call, resource_type, logical_id)
    if row.deleted or not visible(call, row, grant):
        raise not_found(resource_type, logical_id)
    call.patient = row.patient
    response = fhir(_body(row))
    response["ETag"] = f'W/"{row.version_id}"'
    response["Last-Modified"] = http_date(row.last_updated.timestamp())
    return response


@fhir_view(("GET",), version="R5")
def search(request: HttpRequest, call: Call, resource_type: str) -> HttpResponse:
    _r5_type(resource_type)
    call.action, call.resource_type = "fhir.search", resource_type
    pairs = [(k, v) for k, values in request.GET.lists() for v in values]
    found = query.parse(resource_type, pairs, strict="handling=strict" in request.headers.get("Prefer", ""))
    if found.includes or found.revincludes:
        raise FhirError(400, "not-supported", "_include and _revinclude are served by /fhir/R4 only.")
    call.interaction = f"SEARCH R5 {resource_type}"
    grant = call.grant(resource_type, "s")
    page = query.run(found, partner_id=call.principal.partner_id, grant=grant)
    extra = included(page.matches, found, partner_id=call.principal.partner_id, grant_for=call.grant_or_none)
    body = bundles.searchset(page, found, base=call.base, included=extra, warnings=found.warnings, body_of=_body)
    return fhir(body)
