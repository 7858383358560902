"""The CapabilityStatement at /fhir/R4/metadata, built from the same table that drives
indexing and search (:mod:`sandbox.search.params`): it promises exactly what works."""

from __future__ import annotations

import functools
import json
from typing import Any

from django.conf import settings

from sandbox.search import params as defs

US_CORE_SERVER = "http://hl7.org/fhir/us/core/CapabilityStatement/us-core-server|6.1.0"
CARIN_SERVER = "http://hl7.org/fhir/us/carin-bb/CapabilityStatement/c4bb|2.0.0"
SMART_SERVICE = {
    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/restful-security-service", "code": "SMART-on-FHIR"}]
}
SEARCH_TYPE_URLS = {
    defs.TOKEN: "token",
    defs.STRING: "string",
    defs.DATE: "date",
    defs.REFERENCE: "reference",
}


# What the partner partitions accept; the statement lists it once it works.
WRITES = True
SYSTEM_INTERACTIONS: tuple[str, ...] = ("transaction", "batch")


def _profile_versioned(url: str) -> str:
    return url + ("|6.1.0" if "/us/core/" in url else "|2.0.0")


def _resource(type_def: defs.TypeDef) -> dict[str, Any]:
    interactions = [{"code": code} for code in type_def.interactions]
    if type_def.writable and WRITES:
        interactions += [{"code": "create"}, {"code": "update"}, {"code": "delete"}]
    search = [
        {"name": p.name, "type": SEARCH_TYPE_URLS[p.kind], **({"documentation": p.doc} if p.doc else {})}
        for p in [*defs.COMMON_PARAMS.values(), *type_def.params.values()]
    ]
    resource: dict[str, Any] = {
        "type": type_def.name,
        "supportedProfile": [_profile_versioned(p) for p in type_def.profiles],
        "interaction": interactions,
        "versioning": "versioned",
        "readHistory": True,
        "updateCreate": True,
        "conditionalCreate": True,
        "conditionalRead": "not-supported",
        "conditionalUpdate": False,
        "conditionalDelete": "not-supported",
        "referencePolicy": ["literal", "local"],
        "searchInclude": list(type_def.includes),
        "searchRevInclude": list(defs.REVINCLUDES),
        "searchParam": search,
        "operation": [{"name": "validate", "definition": "http://hl7.org/fhir/OperationDefinition/Resource-validate"}],
    }
    if type_def.profiles:
        resource["profile"] = f"http://hl7.org/fhir/StructureDefinition/{type_def.name}"
    if type_def.shall:
        resource["extension"] = [
            {
                "url": "http://hl7.org/fhir/StructureDefinition/capabilitystatement-search-parameter-combination",
                "extension": [{"url": "required", "valueString": name} for name in combination],
            }
            for combination in type_def.shall
            if len(combination) > 1
        ]
    return resource


@functools.cache
def capability_statement(base: str) -> str:
    oauth = {
        "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
        "extension": [
            {"url": "authorize", "valueUri": f"{settings.SITE_URL}/oauth/authorize"},
            {"url": "token", "valueUri": f"{settings.SITE_URL}/oauth/token"},
            {"url": "revoke", "valueUri": f"{settings.SITE_URL}/oauth/revoke"},
            {"url": "introspect", "valueUri": f"{settings.SITE_URL}/oauth/introspect"},
        ],
    }
    statement = {
        "resourceType": "CapabilityStatement",
        "id": "cms-sandbox",
        "url": f"{base}/metadata",
        "version": "2026-03",
        "name": "CmsHealthTechSandbox",
        "title": "CMS Health Tech Ecosystem FHIR R4 sandbox",
        "status": "active",
        "experimental": True,
        "date": "2026-12-01",
        "publisher": "CMS Health Tech Ecosystem",
        "description": "Synthetic FHIR R4 data lake for partners: US Core 6.1.0 clinical data and CARIN Blue "
        "Button 2.0.0 claims for 30 synthetic beneficiaries, plus each partner's own partition.",
        "kind": "instance",
        "instantiates": [US_CORE_SERVER, CARIN_SERVER],
        "implementation": {"description": "CMS Health Tech Ecosystem sandbox", "url": base},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "patchFormat": [],
        "implementationGuide": [
            "http://hl7.org/fhir/us/core/ImplementationGuide/hl7.fhir.us.core|6.1.0",
            "http://hl7.org/fhir/us/carin-bb/ImplementationGuide/hl7.fhir.us.carin-bb|2.0.0",
        ],
        "rest": [
            {
                "mode": "server",
                "documentation": "Bearer tokens: an API token with cms.fhir.r4.read, or a SMART on FHIR access token.",
                "security": {
                    "cors": True,
                    "service": [SMART_SERVICE],
                    "extension": [oauth],
                    "description": "SMART App Launch 2.0 and Backend Services; see /.well-known/smart-configuration.",
                },
                "resource": [_resource(t) for t in defs.TYPES.values()],
                "interaction": [{"code": i} for i in SYSTEM_INTERACTIONS],
            }
        ],
    }
    return json.dumps(statement, ensure_ascii=False, separators=(",", ":"))
