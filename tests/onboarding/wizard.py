"""Drive the signup wizard with the test client, step by step."""

from __future__ import annotations

from typing import Any

from django.test import Client

PREFIX = "signup_wizard"

ORGANIZATION = {
    "legal_name": "Gamma Health Plan",
    "partner_type": "payer",
    "contact_name": "Grace Gamma",
    "contact_email": "grace@gamma-health.example",
    "phone": "+1 202 555 0199",
    "npi": "1234567893",
    "website": "https://gamma-health.example",
}
INTEGRATION = {
    "use_case": "Patient Access API for our Medicare Advantage members, built on CARIN Blue Button.",
    "capabilities": ["fhir-platform", "smart-on-fhir"],
    "data_direction": "bidirectional",
    "expected_volume": "10k_100k",
    "handles_phi": "on",
}
ACCOUNT = {
    "email": "Grace@Gamma-Health.example",
    "password1": "a-long-unusual-pass-77",
    "password2": "a-long-unusual-pass-77",
    "signer_name": "Grace Gamma",
    "signer_title": "Chief Digital Officer",
    "accept_mnda": "on",
    "accept_terms": "on",
    "accept_baa": "on",
}


def post_step(client: Client, step: str, data: dict[str, Any], **extra: Any) -> Any:
    payload = {f"{PREFIX}-current_step": step, **{f"{step}-{k}": v for k, v in data.items()}, **extra}
    return client.post("/signup/", payload)


def complete(
    client: Client,
    organization: dict[str, Any] | None = None,
    integration: dict[str, Any] | None = None,
    account: dict[str, Any] | None = None,
) -> Any:
    client.get("/signup/")
    post_step(client, "organization", {**ORGANIZATION, **(organization or {})})
    post_step(client, "integration", {**INTEGRATION, **(integration or {})})
    return post_step(client, "account", {**ACCOUNT, **(account or {})})
