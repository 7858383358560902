"""``validate()``: base structure, then the profiles a resource claims or is asked to meet.

* ``profiles=None``: the resource's ``meta.profile`` (``url`` or ``url|version``). A
  declared profile we do not hold is a *warning* (``not-supported``): FHIR treats
  ``meta.profile`` as a claim, and the official examples declare profiles of guides we do
  not ship (SDC). A profile asked for explicitly and unknown is an *error*.
* Bundles: each ``entry.resource`` is checked against its own ``meta.profile``; ``urn:uuid``
  references resolve through the entries' ``fullUrl``. Contained resources likewise.
* Extensions whose ``url`` is an extension definition we ship are checked against it
  wherever they sit, once any profile applies to the resource they are in.
"""

from __future__ import annotations

from typing import Any

from .base import Walk, walk_resource
from .compiler import compile_profile
from .definitions import Definitions, shipped
from .engine import Context, check_item
from .issues import ERROR, WARNING, Issue, unique


def validate(
    resource: Any, profiles: list[str] | None = None, *, definitions: Definitions | None = None
) -> list[Issue]:
    """Base structure, then ``profiles`` (default: the resource's ``meta.profile``).
    ``definitions`` replaces the shipped guides (tests add hand-made profiles this way)."""
    defs = definitions or shipped()
    walk = Walk(defs.extension_urls())
    walk_resource(walk, resource, None)
    issues = walk.issues
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        return issues
    rtype = resource["resourceType"]
    applied = _resource(defs, issues, resource, rtype, profiles, {}, contained=False)
    if rtype == "Bundle":
        applied |= _bundle(defs, issues, resource)
    if applied:
        checked = set().union(*(ctx.checked_extensions for ctx in applied))
        leftover = Context(defs, issues, resource)
        for path, extension in walk.extensions:
            if id(extension) not in checked:
                profile = compile_profile(defs, extension["url"])
                if profile is not None:
                    check_item(leftover, profile.root, extension, path, "extension")
    return unique(issues)


def _resource(
    defs: Definitions,
    issues: list[Issue],
    resource: dict[str, Any],
    path: str,
    profiles: list[str] | None,
    bundle_types: dict[str, str],
    contained: bool,
) -> set[Context]:
    """Profile checks of one resource and its contained resources; the contexts that ran."""
    rtype = resource.get("resourceType")
    explicit = profiles is not None
    if profiles is None:
        declared = (resource.get("meta") or {}).get("profile") if isinstance(resource.get("meta"), dict) else None
        profiles = [p for p in declared if isinstance(p, str)] if isinstance(declared, list) else []
    ran: set[Context] = set()
    for reference in profiles:
        if not isinstance(reference, str):
            issues.append(Issue(ERROR, "value", path, f"A profile must be a canonical URL string, not {reference!r}."))
            continue
        profile = compile_profile(defs, reference)
        if profile is None:
            severity = ERROR if explicit else WARNING
            issues.append(
                Issue(
                    severity,
                    "not-supported",
                    path,
                    f"Profile {reference} is not known to the sandbox validator (see known_profiles()); "
                    + ("it was not checked." if not explicit else "ask for one it knows."),
                )
            )
            continue
        if profile.type != rtype:
            issues.append(
                Issue(ERROR, "structure", path, f"Profile {reference} is for {profile.type}, but this is a {rtype}.")
            )
            continue
        ctx = Context(defs, issues, resource, bundle_types, contained)
        check_item(ctx, profile.root, resource, path, path)
        ran.add(ctx)
    for index, inner in enumerate(_array(resource.get("contained"))):
        if isinstance(inner, dict) and isinstance(inner.get("resourceType"), str):
            ran |= _resource(defs, issues, inner, f"{path}.contained[{index}]", None, bundle_types, contained=True)
    return ran


def _bundle(defs: Definitions, issues: list[Issue], bundle: dict[str, Any]) -> set[Context]:
    entries = [e for e in _array(bundle.get("entry")) if isinstance(e, dict)]
    types = {
        e["fullUrl"]: e["resource"]["resourceType"]
        for e in entries
        if isinstance(e.get("fullUrl"), str)
        and isinstance(e.get("resource"), dict)
        and isinstance(e["resource"].get("resourceType"), str)
    }
    ran: set[Context] = set()
    for index, entry in enumerate(_array(bundle.get("entry"))):
        inner = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(inner, dict) and isinstance(inner.get("resourceType"), str):
            ran |= _resource(defs, issues, inner, f"Bundle.entry[{index}].resource", None, types, contained=False)
    return ran


def _array(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def known_profiles(definitions: Definitions | None = None) -> list[str]:
    """Canonical URLs (without version) of every profile and extension definition we hold."""
    return sorted((definitions or shipped()).structure_definitions)
