"""OperationOutcome: every non-2xx answer under /fhir is one, with a specific issue code."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse

FHIR_JSON = "application/fhir+json; charset=utf-8"


@dataclass(frozen=True)
class Problem:
    severity: str  # fatal | error | warning | information
    code: str  # IssueType: invalid, structure, required, value, not-found, forbidden, login, ...
    diagnostics: str
    expression: str = ""


class FhirError(Exception):
    """Raised anywhere below a FHIR view: becomes an OperationOutcome with ``status``."""

    def __init__(
        self,
        status: int,
        code: str,
        diagnostics: str,
        *,
        expression: str = "",
        headers: dict[str, str] | None = None,
        problems: Iterable[Problem] = (),
    ) -> None:
        super().__init__(diagnostics)
        self.status = status
        self.problems = [Problem("error", code, diagnostics, expression), *problems]
        self.headers = headers or {}


def outcome(problems: Iterable[Problem]) -> dict[str, Any]:
    issues = []
    for p in problems:
        issue: dict[str, Any] = {"severity": p.severity, "code": p.code, "diagnostics": p.diagnostics}
        if p.expression:
            issue["expression"] = [p.expression]
        issues.append(issue)
    return {"resourceType": "OperationOutcome", "issue": issues}


def response(status: int, problems: Iterable[Problem], headers: dict[str, str] | None = None) -> HttpResponse:
    body = json.dumps(outcome(problems), ensure_ascii=False, separators=(",", ":"))
    answer = HttpResponse(body, status=status, content_type=FHIR_JSON)
    for name, value in (headers or {}).items():
        answer[name] = value
    return answer


def error_response(exc: FhirError) -> HttpResponse:
    return response(exc.status, exc.problems, exc.headers)
