"""FHIR R5 views of stored R4 resources (Patient and Observation), converted where the
shapes differ and checked against the ``fhir.resources`` R5 models."""

from __future__ import annotations

from typing import Any

from fhir.resources.observation import Observation
from fhir.resources.patient import Patient
from pydantic import ValidationError

TYPES = ("Patient", "Observation")
_MODELS: dict[str, Any] = {"Patient": Patient, "Observation": Observation}


def to_r5(resource: dict[str, Any]) -> dict[str, Any]:
    """R4 → R5 for the two types served. Every R4 element of Patient and Observation keeps
    its name and shape in R5 (R5 only adds elements, e.g. Observation.triggeredBy,
    bodyStructure, referenceRange.normalValue), so the content carries over; what must go
    is the claim of conformance to US Core/CARIN, which are R4 profiles."""
    out = dict(resource)
    meta = {k: v for k, v in (out.get("meta") or {}).items() if k != "profile"}
    if meta:
        out["meta"] = meta
    else:
        out.pop("meta", None)
    return out


def problems(resource: dict[str, Any]) -> list[str]:
    """What the R5 model refuses in the converted resource ([] when it is valid R5)."""
    model = _MODELS.get(resource.get("resourceType", ""))
    if model is None:
        return [f"{resource.get('resourceType')} is not served as R5"]
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        return [f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()]
    return []
