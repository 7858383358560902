"""SMART on FHIR resource scopes, v1 and v2 (SMART App Launch 2.x §"Scopes for requesting
FHIR resources"), parsed once into what they allow.

    patient/Observation.read          v1: read and search
    patient/*.write                   v1: create, update, delete
    user/Observation.rs               v2: read + search
    system/*.cruds                    v2: everything
    patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory
                                      v2 granular: only Observations with that category

Plain data and logic: no Django, usable by the authorization server and the FHIR sandbox.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl

CONTEXTS = ("patient", "user", "system")
V1_PERMISSIONS = {"read": "rs", "write": "cud", "*": "cruds"}
_PATTERN = re.compile(
    r"^(?P<context>patient|user|system)/(?P<type>\*|[A-Z][A-Za-z]{0,63})\.(?P<perm>read|write|\*|c?r?u?d?s?)"
    r"(?:\?(?P<query>[^\s]+))?$"
)


@dataclass(frozen=True)
class SmartScope:
    context: str  # patient | user | system
    resource_type: str  # "*" or a FHIR resource type
    permissions: frozenset[str]  # letters of "cruds"
    filters: tuple[tuple[str, str], ...]  # v2 granular: (search parameter, value)
    raw: str
    v2: bool

    def covers(self, resource_type: str, permission: str) -> bool:
        return permission in self.permissions and self.resource_type in ("*", resource_type)


def parse(code: str) -> SmartScope | None:
    """The scope's meaning, or None when ``code`` is not a SMART resource scope."""
    match = _PATTERN.match(code)
    if match is None:
        return None
    perm = match["perm"]
    if perm in V1_PERMISSIONS:
        letters, v2 = V1_PERMISSIONS[perm], False
    else:
        if not perm:  # ".": no permission at all
            return None
        letters, v2 = perm, True
    query = match["query"]
    if query and not v2:
        return None  # granular filters exist only in v2 syntax
    filters = tuple(parse_qsl(query, keep_blank_values=False)) if query else ()
    if query and not filters:
        return None
    return SmartScope(
        context=match["context"],
        resource_type=match["type"],
        permissions=frozenset(letters),
        filters=filters,
        raw=code,
        v2=v2,
    )


def category(code: str) -> str | None:
    """The catalog category a SMART resource scope belongs to: user-facing contexts are
    SMART on FHIR, system scopes are System & Bulk (as in the seed's catalog)."""
    scope = parse(code)
    if scope is None:
        return None
    return "system-bulk" if scope.context == "system" else "smart-on-fhir"


def resource_scopes(codes: Iterable[str]) -> list[SmartScope]:
    return [s for s in (parse(c) for c in codes) if s is not None]


def covers(registered: str, requested: str) -> bool:
    """Whether a client registered for ``registered`` may be granted ``requested``: the
    same scope, or a SMART resource scope at least as broad (same context, the type or
    ``*``, a superset of the permissions, and no filter the request does not also carry):
    ``patient/*.read`` covers ``patient/Observation.rs`` and its granular forms."""
    if registered == requested:
        return True
    wide, narrow = parse(registered), parse(requested)
    if wide is None or narrow is None or wide.context != narrow.context:
        return False
    return (
        wide.resource_type in ("*", narrow.resource_type)
        and wide.permissions >= narrow.permissions
        and set(wide.filters) <= set(narrow.filters)
    )
