"""What the seed portal page (000) says about the programme, as data.

Pages render from here (and from the scope and webhook catalogs) instead of
repeating the text in templates.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    label: str
    value: str


@dataclass(frozen=True)
class Step:
    title: str
    detail: str


@dataclass(frozen=True)
class Feature:
    title: str
    detail: str


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    auth: str  # "Bearer" or "" as the seed shows it
    title: str


NAME = "CMS Health Tech Ecosystem"
TAGLINE = "Partner onboarding, self-service token management, OAuth 2.0 client registration, and pipeline monitoring"
SIGNIN_NOTICE = (
    "All partner signup and sign-in is at developers.parkerapex.com. The legacy CMS Portal (cms.prod) is retired."
)

SLA: tuple[Figure, ...] = (
    Figure("Rate limit", "500 req/min"),
    Figure("Burst", "30 req/sec"),
    Figure("Uptime SLA", "99.9%"),
    Figure("Support", "Business hours · 8h"),
    Figure("P95 latency", "< 250ms token"),
    Figure("Retention", "Partner audit 3y"),
)

SIGNUP_STEPS: tuple[Step, ...] = (
    Step("Organization", "Legal name, type, contact, optional NPI"),
    Step("Integration", "Use case, capabilities, data direction"),
    Step("Account", "Portal password, agreements, submit"),
)

FEATURES: tuple[Feature, ...] = (
    Feature("Multi-Token Management", "Create, list, revoke scoped API tokens"),
    Feature("OAuth 2.0 Registration", "Self-service client_credentials registration"),
    Feature("Legal Document Access", "Download MNDA, BAA, consent forms"),
    Feature("Pipeline Monitoring", "Push metrics, sync rates, data quality"),
)

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/cms/partner-login", "", "Partner Authentication"),
    Endpoint("POST", "/cms/tokens", "Bearer", "Create Scoped Token"),
    Endpoint("GET", "/cms/tokens", "Bearer", "List Active Tokens"),
    Endpoint("DELETE", "/cms/tokens/{id}", "Bearer", "Revoke Token"),
    Endpoint("POST", "/cms/oauth/register", "Bearer", "Register OAuth Client"),
    Endpoint("POST", "/oauth/token", "", "OAuth Token Exchange"),
    Endpoint("GET", "/cms/pipeline/health", "Bearer", "Pipeline Health Status"),
    Endpoint("GET", "/cms/pipeline/partners", "Bearer", "Per-Partner Pipeline Metrics"),
    Endpoint("GET", "/cms-ecosystem/sdk-catalog", "Bearer", "SDK Catalog"),
)

CERTIFICATION_TITLE = "CMS Partner APIs certification track"
CERTIFICATION_SUMMARY = "11 required items · platform + product-specific checks"
CERTIFICATION_ITEMS: tuple[str, ...] = (
    "First authenticated API call in sandbox",
    "OAuth or API key with least-privilege scopes",
    "FHIR R4 read against sandbox lake",
    "GPID boundary headers on write paths",
    "Webhook HMAC-SHA256 verification implemented",
    "Webhook idempotency by delivery ID",
)
CERTIFICATION_FOOTER = "Complete all required items before production go-live"

WEBHOOKS_INTRO = "Subscribe at /webhooks — verify HMAC-SHA256 signatures"
