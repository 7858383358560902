"""The served OpenAPI schema as the oracle of plain tests: ``assert_documented(response,
"GET", "/webhooks/{endpoint_id}/deliveries")`` fails unless the schema documents that
status code, that content type and that body, with the checks the fuzzer runs
(tests/portal/test_api_contract.py)."""

from __future__ import annotations

import re
from typing import Any

import requests
import schemathesis
from django.test import Client
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def served_schema() -> schemathesis.BaseSchema:
    """/api/schema/ as this process serves it now (through Django's test client, so the
    test's database transaction stays open)."""
    raw = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    return schemathesis.openapi.from_dict(raw)


def assert_documented(response: Any, method: str, path: str, schema: schemathesis.BaseSchema | None = None) -> None:
    """``response``: an answer of Django's test client (or DRF's) to ``method path``."""
    operation = (schema or served_schema())[path][method.upper()]
    sent_path = response.wsgi_request.path
    template = re.escape(path).replace(r"\{", "{").replace(r"\}", "}")
    match = re.fullmatch(re.sub(r"{(\w+)}", r"(?P<\1>[^/]+)", template), sent_path)
    assert match is not None, f"{sent_path} is not an instance of {path}"
    sent = requests.Request(method.upper(), f"http://testserver{response.wsgi_request.get_full_path()}").prepare()
    answer = schemathesis.Response(
        status_code=response.status_code,
        headers={name.lower(): [value] for name, value in response.headers.items()},
        content=response.content,
        request=sent,
        elapsed=0.0,
        verify=False,
    )
    operation.Case(path_parameters=match.groupdict()).validate_response(answer, checks=CHECKS)
