"""The SDK catalog: real open-source client libraries partners use against these APIs.

Every entry is an existing, published package. Versions come from the registry
(PyPI, npm) as last checked; Maven Central and NuGet versions are left empty and the
page says "see registry" rather than guess. ``GET /cms-ecosystem/sdk-catalog``
(scope ``cms.sdk.read``) is to serve the same data as JSON once API credentials exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from typing import Literal

from django.utils.text import slugify

Registry = Literal["PyPI", "npm", "Maven Central", "NuGet"]

# Filter values (``?language=``) and their labels, in display order.
LANGUAGES: dict[str, str] = {
    "python": "Python",
    "javascript": "JavaScript",
    "java": "Java",
    "dotnet": ".NET (C#)",
}
_SLUG_BY_LANGUAGE = {label: slug for slug, label in LANGUAGES.items()}


@dataclass(frozen=True)
class Sdk:
    language: str  # a label in LANGUAGES
    name: str
    package: str
    registry: Registry
    version: str  # "" where it could not be checked: render "see registry"
    install: str  # the exact command (or, for Maven, the dependency to declare)
    repo_url: str
    docs_url: str
    purpose: str
    scopes: tuple[str, ...]  # scope codes from scopes.catalog.SCOPES_BY_CODE

    @property
    def language_slug(self) -> str:
        return _SLUG_BY_LANGUAGE[self.language]

    @property
    def anchor(self) -> str:
        """A stable id for the entry (and, suffixed, for its install command)."""
        return f"sdk-{self.language_slug}-{slugify(self.package.replace(':', '-').replace('.', '-'))}"


@dataclass(frozen=True)
class SdkGroup:
    slug: str
    title: str
    summary: str
    sdks: tuple[Sdk, ...]


FHIR_CLIENTS = SdkGroup(
    slug="fhir-clients",
    title="SMART on FHIR and FHIR clients",
    summary="Launch SMART apps, read FHIR R4 resources and submit Bundles against the FHIR gateway.",
    sdks=(
        Sdk(
            language="Python",
            name="SMART on FHIR Python client",
            package="fhirclient",
            registry="PyPI",
            version="4.4.0",
            install="pip install fhirclient",
            repo_url="https://github.com/smart-on-fhir/client-py",
            docs_url="https://docs.smarthealthit.org/client-py/",
            purpose="Authorizes a SMART on FHIR app and reads FHIR R4 resources through generated Python models.",
            scopes=("patient/*.read", "launch/patient", "fhirUser", "offline_access", "cms.fhir.r4.read"),
        ),
        Sdk(
            language="JavaScript",
            name="SMART on FHIR JavaScript client",
            package="fhirclient",
            registry="npm",
            version="2.6.3",
            install="npm install fhirclient",
            repo_url="https://github.com/smart-on-fhir/client-js",
            docs_url="https://docs.smarthealthit.org/client-js/",
            purpose="Runs the SMART App Launch (standalone or EHR) in the browser or Node.js and calls the FHIR API.",
            scopes=("launch-ehr", "launch/patient", "patient/*.read", "user/Patient.read", "fhirUser"),
        ),
        Sdk(
            language="Java",
            name="HAPI FHIR client",
            package="ca.uhn.hapi.fhir:hapi-fhir-client",
            registry="Maven Central",
            version="",
            install=(
                "<dependency>\n"
                "  <groupId>ca.uhn.hapi.fhir</groupId>\n"
                "  <artifactId>hapi-fhir-client</artifactId>\n"
                "  <version>${hapi-fhir.version}</version>\n"
                "</dependency>"
            ),
            repo_url="https://github.com/hapifhir/hapi-fhir",
            docs_url="https://hapifhir.io/hapi-fhir/docs/client/generic_client.html",
            purpose="A fluent generic FHIR REST client for the JVM; add hapi-fhir-structures-r4 for the R4 models.",
            scopes=("cms.fhir.r4.read", "cms.fhir.rest.write", "cms.fhir.bundle.push", "system/*.read"),
        ),
        Sdk(
            language=".NET (C#)",
            name="Firely .NET SDK",
            package="Hl7.Fhir.R4",
            registry="NuGet",
            version="",
            install="dotnet add package Hl7.Fhir.R4",
            repo_url="https://github.com/FirelyTeam/firely-net-sdk",
            docs_url="https://docs.fire.ly/projects/Firely-NET-SDK/en/latest/",
            purpose="FHIR R4 models, JSON/XML serialization and a FhirClient for REST reads, writes and transactions.",
            scopes=("cms.fhir.r4.read", "cms.fhir.rest.write", "cms.fhir.bundle.push"),
        ),
    ),
)

OAUTH_CLIENTS = SdkGroup(
    slug="oauth-clients",
    title="OAuth 2.0 client libraries",
    summary="Obtain and refresh access tokens from /oauth/token with client_credentials or authorization code flows.",
    sdks=(
        Sdk(
            language="Python",
            name="Authlib",
            package="Authlib",
            registry="PyPI",
            version="1.9.9",
            install="pip install Authlib",
            repo_url="https://github.com/authlib/authlib",
            docs_url="https://docs.authlib.org/",
            purpose="OAuth 2.0 and OpenID Connect clients for requests and httpx, including client_credentials.",
            scopes=("cms.partner.read", "cms.pipeline.read", "cms.sdk.read", "system/*.read"),
        ),
        Sdk(
            language="JavaScript",
            name="openid-client",
            package="openid-client",
            registry="npm",
            version="6.8.9",
            install="npm install openid-client",
            repo_url="https://github.com/panva/openid-client",
            docs_url="https://github.com/panva/openid-client/tree/main/docs",
            purpose="OAuth 2.0 and OpenID Connect client for JavaScript runtimes: client_credentials, code + PKCE.",
            scopes=("cms.partner.read", "cms.pipeline.read", "cms.sdk.read", "fhirUser", "offline_access"),
        ),
    ),
)

WEBHOOK_VERIFIERS = SdkGroup(
    slug="webhook-verification",
    title="Webhook signature verification",
    summary="Verify the HMAC-SHA256 signature on every webhook delivery, per the Standard Webhooks specification.",
    sdks=(
        Sdk(
            language="Python",
            name="Standard Webhooks (Python)",
            package="standardwebhooks",
            registry="PyPI",
            version="1.1.0",
            install="pip install standardwebhooks",
            repo_url="https://github.com/standard-webhooks/standard-webhooks",
            docs_url="https://github.com/standard-webhooks/standard-webhooks/tree/main/libraries/python",
            purpose="Checks the webhook-id, webhook-timestamp and webhook-signature headers of a delivery.",
            scopes=("cms.pipeline.read",),
        ),
        Sdk(
            language="JavaScript",
            name="Standard Webhooks (JavaScript)",
            package="standardwebhooks",
            registry="npm",
            version="1.1.1",
            install="npm install standardwebhooks",
            repo_url="https://github.com/standard-webhooks/standard-webhooks",
            docs_url="https://github.com/standard-webhooks/standard-webhooks/tree/main/libraries/javascript",
            purpose="Verifies Standard Webhooks signatures and timestamps in JavaScript and TypeScript services.",
            scopes=("cms.pipeline.read",),
        ),
    ),
)

GROUPS: tuple[SdkGroup, ...] = (FHIR_CLIENTS, OAUTH_CLIENTS, WEBHOOK_VERIFIERS)
SDKS: tuple[Sdk, ...] = tuple(chain.from_iterable(g.sdks for g in GROUPS))


def grouped(language: str = "") -> list[SdkGroup]:
    """The groups, narrowed to one language (a LANGUAGES key) when given; empty groups are left out."""
    if not language:
        return list(GROUPS)
    narrowed = (
        SdkGroup(g.slug, g.title, g.summary, tuple(s for s in g.sdks if s.language_slug == language)) for g in GROUPS
    )
    return [g for g in narrowed if g.sdks]
