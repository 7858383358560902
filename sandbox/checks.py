"""What a resource must pass before it is stored: the shape every FHIR resource has.
(Profile validation joins here when it lands: issue 12 §5.)"""

from __future__ import annotations

import re
from typing import Any

from sandbox.outcome import FhirError, Problem

ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


def problems(resource: dict[str, Any]) -> list[Problem]:
    rtype = resource.get("resourceType", "")
    found: list[Problem] = []
    rid = resource.get("id")
    if rid is not None and (not isinstance(rid, str) or not ID.match(rid)):
        found.append(Problem("error", "value", "id must be 1-64 of A-Z, a-z, 0-9, '-' and '.'.", f"{rtype}.id"))
    meta = resource.get("meta")
    if meta is not None and not isinstance(meta, dict):
        found.append(Problem("error", "structure", "meta must be an object.", f"{rtype}.meta"))
    elif isinstance(meta, dict) and not all(isinstance(p, str) for p in meta.get("profile", [])):
        found.append(Problem("error", "structure", "meta.profile must be a list of URLs.", f"{rtype}.meta.profile"))
    for key, value in resource.items():
        if value in (None, "", [], {}):
            found.append(
                Problem(
                    "error",
                    "structure",
                    f"{key} is empty: leave empty elements out (FHIR forbids them).",
                    f"{rtype}.{key}",
                )
            )
    return found


def raise_for_problems(resource: dict[str, Any]) -> None:
    errors = [p for p in problems(resource) if p.severity in ("error", "fatal")]
    if errors:
        first = errors[0]
        raise FhirError(422, first.code, first.diagnostics, expression=first.expression, problems=errors[1:])
