"""Generated data shared by the synthetic-data tests (built once per test process)."""

from __future__ import annotations

import functools
from collections import defaultdict
from typing import Any

from sandbox.synthetic import generate

PATIENTS = 30


@functools.cache
def lake() -> tuple[dict[str, Any], ...]:
    return tuple(generate(patients=PATIENTS))


@functools.cache
def by_key() -> dict[str, dict[str, Any]]:
    return {f"{r['resourceType']}/{r['id']}": r for r in lake()}


@functools.cache
def by_patient() -> dict[str, list[dict[str, Any]]]:
    """Each beneficiary's resources (keyed by Patient id), Provenance excluded."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in lake():
        if r["resourceType"] == "Provenance":
            continue
        if r["resourceType"] == "Patient":
            out[r["id"]].append(r)
        elif r["id"].startswith("bb-"):
            out[r["id"][:8]].append(r)
    return dict(out)


def of_type(resources: list[dict[str, Any]], resource_type: str) -> list[dict[str, Any]]:
    return [r for r in resources if r["resourceType"] == resource_type]


def profiles(resource: dict[str, Any]) -> set[str]:
    return {p.split("/")[-1].split("|")[0] for p in resource["meta"]["profile"]}


def codes(concept: dict[str, Any], system: str | None = None) -> set[str]:
    return {c["code"] for c in concept.get("coding", []) if system is None or c.get("system") == system}
