"""The API contract, checked by a fuzzer (DESIGN.md §4).

Schemathesis reads the schema served at /api/schema/ and sends each operation requests
through the WSGI application in this process. Hypothesis phase ``explicit``: the schema's
request examples, and the first one with each field in turn given a value of another shape;
phase ``generate``: ``MAX_EXAMPLES`` requests from schemathesis, valid and invalid alike.
Any 5xx fails, as does any status code the operation does not document and any answer
whose content type or body does not match the schema (the Error schema too).

Bounded and reproducible: derandomized (a fixed seed per operation), no shrinking, no
example database. No stateful phase: links would only carry ids from one call to the next,
and the operations on ids are aimed at objects made beforehand instead (``world``).

Each operation is its own test, with its own database transaction; the requests of one
operation share it (a DELETE that succeeds makes the later ones 404, as it should).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal.demo import PARTNER_PASSWORD
from portal.wsgi import application
from tokens import services as token_services
from tokens.models import ApiToken, OAuthClient
from webhooks import services as webhook_services
from webhooks.models import Delivery, Endpoint

# Generated requests per operation; CONTRACT_FUZZ_EXAMPLES=500 for a deeper look.
MAX_EXAMPLES = int(os.environ.get("CONTRACT_FUZZ_EXAMPLES", "40"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SCOPES = ["cms.partner.read", "cms.partner.write", "cms.fhir.r4.read", "cms.pipeline.read", "cms.sdk.read"]
# The demo partner's objects get these ids, so that path parameters can point at them.
IDS = {"endpoint_id": "we_contract", "delivery_id": "dlv_contract", "token_id": "tok_contract", "client_id": "contract"}
# Sign-in locks an address out after 20 attempts and an email after 5 failures (on purpose,
# whatever RATE_LIMITS_ENABLED says): generated input would only meet 401 and then 429.
# Its documented example, and the odd bodies made from it, still run (explicit phase).
EXPLICIT_ONLY = {"POST /cms/partner-login"}

# The credential is always sent (``send``): generated requests that leave it out would
# only meet the 401 of a missing token, which tests/tokens/test_api.py covers.
CONFIG = schemathesis.Config.from_dict({"generation": {"with-security-parameters": False}})
schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)
OPERATIONS = {operation.label: operation for methods in schema.values() for operation in methods.values()}


def public_dns(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
    """Every name resolves to one public address: webhook URLs pass the SSRF guard and no
    question leaves this machine."""
    return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port or 443))]


def no_network(*args: Any, **kwargs: Any) -> Any:
    raise OSError("the contract test does not fetch jwks_uri")


@pytest.fixture
def world(
    settings: Any, acme: Any, alice: Any, issue: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    """The demo partner with a bearer token holding SCOPES, a token to revoke, a webhook
    endpoint with one delivery and a registered OAuth client, under the ids in ``IDS``.
    Yields the credential for each security scheme."""
    settings.RATE_LIMITS_ENABLED = False  # the fuzzer is one client sending hundreds of requests
    monkeypatch.setattr(socket, "getaddrinfo", public_dns)
    monkeypatch.setattr("lib.outbound.get", no_network)
    alice.set_password(PARTNER_PASSWORD)  # partner-login's documented example
    alice.save()
    bearer = issue(scopes=SCOPES).secret
    ApiToken.objects.filter(pk=issue(name="to revoke").token.pk).update(public_id=IDS["token_id"])
    endpoint = webhook_services.create_endpoint(
        partner=acme, url="https://hooks.acme-health.example/cms", event_types=["webhook.test"], by=alice
    ).endpoint
    delivery = webhook_services.send_test(endpoint=endpoint, by=alice)
    Endpoint.objects.filter(pk=endpoint.pk).update(public_id=IDS["endpoint_id"])
    Delivery.objects.filter(pk=delivery.pk).update(public_id=IDS["delivery_id"])
    client = token_services.create_oauth_client(
        partner=acme, name="nightly export", scopes=["cms.fhir.r4.read"], by=alice, with_registration_token=True
    )
    OAuthClient.objects.filter(pk=client.client.pk).update(client_id=IDS["client_id"])
    # Django's own test client keeps the connection (and the test's transaction) open
    # across requests; the WSGI handler would close it at the end of each one.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield {"bearerAuth": bearer, "registrationAccessToken": client.registration_token}
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def send(case: schemathesis.Case, credentials: dict[str, str]) -> None:
    """Call with the credential of the operation's security scheme; check the answer."""
    security = case.operation.definition.raw.get("security", [])
    schemes = [name for requirement in security for name in requirement if name in credentials]
    headers = {"Authorization": f"Bearer {credentials[schemes[0]]}"} if schemes else {}
    case.call_and_validate(headers=headers, checks=CHECKS)


def documented_examples(operation: schemathesis.APIOperation) -> list[Any]:
    content = operation.definition.raw.get("requestBody", {}).get("content", {}).get("application/json", {})
    return [example["value"] for example in content.get("examples", {}).values()]


# Values of another shape than a field expects; generated input rarely nests this way.
ODD_VALUES: list[Any] = [None, True, -1, 1e308, "", "\x00", [], [{}], [[]], {}, {"": {}}]


def odd_bodies(example: dict[str, Any]) -> Iterator[Any]:
    """A documented example with each field in turn given an odd value, then bodies that
    are no object at all."""
    for field in example:
        for value in ODD_VALUES:
            yield {**example, field: value}
    yield from ([], [example], "text", 0)


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_every_answer_is_documented(label: str, world: dict[str, str]) -> None:
    operation = OPERATIONS[label]
    real_ids = {parameter.name: IDS[parameter.name] for parameter in operation.path_parameters}

    def call(case: schemathesis.Case, generated_ids: bool) -> None:
        # Mostly the real objects (Hypothesis prefers False), so that bodies and queries
        # are read; sometimes the generated ids, nearly always unknown: a 404.
        if not generated_ids:
            case.path_parameters = {**case.path_parameters, **real_ids}
        send(case, world)

    cases = st.one_of([operation.as_strategy(mode) for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)])
    fuzz = hypothesis_settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        phases=[Phase.explicit] if label in EXPLICIT_ONLY else [Phase.explicit, Phase.generate],
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )(given(case=cases, generated_ids=st.booleans())(call))
    documented = documented_examples(operation)
    bodies = [*documented, *(odd for first in documented[:1] for odd in odd_bodies(first))]
    for body in reversed(bodies):  # Hypothesis runs the last one attached first
        case = operation.Case(path_parameters=real_ids, body=body, media_type="application/json")
        fuzz = example(case=case, generated_ids=False)(fuzz)
    fuzz()


def test_every_request_body_has_a_documented_example() -> None:
    """Readers of /docs/ start from them; the explicit phase above sends them and builds its
    odd bodies from them."""
    undocumented = [
        label
        for label, operation in OPERATIONS.items()
        if "requestBody" in operation.definition.raw and not documented_examples(operation)
    ]
    assert undocumented == []
