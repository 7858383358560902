"""What a resource must pass before it is stored: base FHIR R4 structure and every
profile it claims in meta.profile (:mod:`sandbox.validation`). Errors refuse the write;
warnings (must-support gaps) are reported by $validate."""

from __future__ import annotations

from typing import Any

from sandbox.outcome import FhirError, Problem
from sandbox.validation import validate


def problems(resource: dict[str, Any], profiles: list[str] | None = None) -> list[Problem]:
    return [
        Problem(issue.severity, issue.code, f"{issue.path}: {issue.message}", issue.path)
        for issue in validate(resource, profiles)
    ]


def raise_for_problems(resource: dict[str, Any]) -> None:
    errors = [p for p in problems(resource) if p.severity in ("error", "fatal")]
    if errors:
        first = errors[0]
        raise FhirError(422, first.code, first.diagnostics, expression=first.expression, problems=errors[1:])
