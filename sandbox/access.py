"""Who may do what in the sandbox: the credential's scopes turned into a grant per request.

- ``cms.fhir.r4.read``: read and search every type, in the lake and the partner's partition.
- ``cms.fhir.rest.write``: create, update and delete in the partner's own partition.
- ``cms.fhir.bundle.push``: transaction and batch Bundles into the partner's partition.
- SMART ``patient/``, ``user/`` and ``system/`` resource scopes, v1 (``.read``/``.write``)
  and v2 (``.cruds`` letters, granular ``?param=value`` filters). ``patient/`` scopes need
  the token's patient context and confine every answer to that patient's compartment.

A type the credential has no scope for is a 403 OperationOutcome naming the scopes that
would allow it, never an empty 200.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.outcome import FhirError
from scopes import smart

READ_ALL = "cms.fhir.r4.read"
WRITE_REST = "cms.fhir.rest.write"
PUSH_BUNDLE = "cms.fhir.bundle.push"
VERBS = {"r": "read", "s": "search", "c": "create", "u": "update", "d": "delete"}


@dataclass(frozen=True)
class Grant:
    """What one request may see: ``patient`` ("" = any) and, for granular v2 scopes, the
    search filters a resource must match (any one of the sets; empty = no filter)."""

    resource_type: str
    permission: str
    patient: str = ""
    filters: tuple[tuple[tuple[str, str], ...], ...] = ()
    system: bool = False  # given by a system/ scope (SMART Backend Services): Bulk export may use it


def grant(
    *, scopes: frozenset[str], patient_context: str, resource_type: str, permission: str, read_scope: str = READ_ALL
) -> Grant:
    """The grant for ``permission`` (a letter of cruds) on ``resource_type``, or FhirError 403.
    ``read_scope``: the platform scope that reads everything (cms.fhir.r5.read under /fhir/R5)."""
    if permission in "rs" and read_scope in scopes:
        return Grant(resource_type, permission)
    if permission in "cud" and WRITE_REST in scopes:
        return Grant(resource_type, permission)
    matching = [s for s in smart.resource_scopes(scopes) if s.covers(resource_type, permission)]
    usable = [s for s in matching if s.context != "patient" or patient_context]
    if not usable:
        if matching:
            raise FhirError(
                403,
                "forbidden",
                f"{matching[0].raw} is a patient-level scope, but this token has no patient in context: "
                "authorize with launch/patient (or an EHR launch) to get one.",
            )
        raise FhirError(403, "forbidden", _needs(resource_type, permission, read_scope))
    confined = all(s.context == "patient" for s in usable)
    filters: tuple[tuple[tuple[str, str], ...], ...] = ()
    if all(s.filters for s in usable):
        filters = tuple(s.filters for s in usable)
    system = any(s.context == "system" for s in usable)
    return Grant(resource_type, permission, patient=patient_context if confined else "", filters=filters, system=system)


def _needs(resource_type: str, permission: str, read_scope: str) -> str:
    verb = VERBS[permission]
    letter = "rs" if permission in "rs" else permission
    platform = read_scope if permission in "rs" else WRITE_REST
    return (
        f"This token has no scope to {verb} {resource_type}: it needs {platform}, or a SMART scope such as "
        f"patient/{resource_type}.{letter} (v2) or patient/{resource_type}.{'read' if permission in 'rs' else 'write'}"
        " (v1)."
    )


def may_push_bundles(scopes: frozenset[str]) -> bool:
    return PUSH_BUNDLE in scopes or any(
        s.context == "system" and s.resource_type == "*" and {"c", "u"} <= s.permissions
        for s in smart.resource_scopes(scopes)
    )
