"""Base validation: is this JSON an R4 resource at all?

Walks the JSON once with the tables of :mod:`.model` (compiled from the R4B pydantic models
with the R4 differences applied) and reports, with FHIR paths:

* unknown resource types and unknown elements (including R4B-only ones);
* arrays where a single value belongs and the other way round, empty arrays, ``null``;
* primitives of the wrong JSON kind or outside their lexical space (see :mod:`.primitives`);
* objects with no content (``ele-1``), missing required elements (a primitive's ``_x``
  extension counts as present, as in FHIR), two types of one choice element at once, or
  none of a required choice.

No terminology and no invariants here: that is the profile layer's job.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from .issues import ERROR, WARNING, Issue
from .model import (
    COMPLEX,
    PRIMITIVE,
    R4_UNMODELLED_RESOURCES,
    R4B_ONLY_RESOURCES,
    FieldSpec,
    TypeSpec,
    domain_resource_spec,
    element_spec,
    resource_spec,
)


class Walk:
    """State of one walk: the issues found, and what the profile layer wants collected."""

    __slots__ = ("extension_urls", "extensions", "issues")

    def __init__(self, extension_urls: frozenset[str] | None = None) -> None:
        self.issues: list[Issue] = []
        # Extensions whose url is in extension_urls, as (path, extension), for the profile layer.
        self.extension_urls = extension_urls
        self.extensions: list[tuple[str, dict[str, Any]]] = []

    def error(self, code: str, path: str, message: str) -> None:
        self.issues.append(Issue(ERROR, code, path, message))


def validate_base(resource: Any) -> list[Issue]:
    """Check a resource (dict parsed from FHIR JSON) against the base R4 structure."""
    walk = Walk()
    walk_resource(walk, resource, None)
    return walk.issues


def walk_resource(walk: Walk, obj: Any, path: str | None) -> None:
    """Check one resource; ``path`` is where it sits (None at the top: its type names it)."""
    if type(obj) is not dict:
        walk.error("structure", path or "Resource", "A resource must be a JSON object.")
        return
    rtype = obj.get("resourceType")
    if not isinstance(rtype, str) or not rtype:
        walk.error("required", path or "Resource", "The resource has no resourceType; add the R4 resource type name.")
        return
    here = path or rtype
    spec = resource_spec(rtype)
    if spec is not None:
        walk_object(walk, obj, spec, here)
        return
    if rtype in R4_UNMODELLED_RESOURCES:
        walk.issues.append(
            Issue(
                WARNING,
                "not-supported",
                here,
                f"{rtype} is an R4 resource the validator has no model of (it changed or left in R4B); "
                "only its common elements (id, meta, text, contained, extensions) were checked.",
            )
        )
        common = domain_resource_spec()
        walk_object(walk, {k: v for k, v in obj.items() if k in common.fields}, common, here, allow_empty=True)
    elif rtype in R4B_ONLY_RESOURCES:
        walk.error(
            "not-supported", here, f"{rtype} is an R4B/R5 resource type, not part of FHIR R4; send R4 resources."
        )
    else:
        walk.error("structure", here, f"Unknown resource type '{rtype}'; use an R4 resource type name.")


def walk_object(walk: Walk, obj: dict[str, Any], spec: TypeSpec, path: str, allow_empty: bool = False) -> None:
    """Check a JSON object against the shape of its FHIR type."""
    if not obj and not allow_empty:
        walk.error("structure", path, "The element is empty; an element must have a value or children (ele-1).")
        return
    fields = spec.fields
    groups: dict[str, str] | None = None
    for key, value in obj.items():
        fspec = fields.get(key)
        if fspec is None:
            groups = _other_key(walk, obj, spec, key, value, path, groups)
            continue
        if fspec.choice:
            groups = _note_choice(walk, groups, fspec.choice, key, path)
        # The common cases inline (this loop runs for every element of every resource).
        if fspec.is_list:
            if type(value) is not list or not value:
                _bad_array(walk, key, value, f"{path}.{key}")
                continue
            kind = fspec.kind
            for index, item in enumerate(value):
                if kind == PRIMITIVE:
                    # a null may line the array up with its _key extensions
                    if (item is None and f"_{key}" not in obj) or (
                        item is not None and fspec.checker(item) is not None  # type: ignore[misc]
                    ):
                        _bad_primitive(walk, item, fspec, f"{path}.{key}[{index}]")
                elif kind == COMPLEX and type(item) is dict:
                    _walk_complex(walk, item, fspec, f"{path}.{key}[{index}]")
                else:
                    _walk_value(walk, item, fspec, f"{path}.{key}[{index}]")
        elif type(value) is list:
            walk.error("structure", f"{path}.{key}", f"'{key}' takes a single value, not an array.")
        elif fspec.kind == PRIMITIVE:
            if value is None or fspec.checker(value) is not None:  # type: ignore[misc]
                _bad_primitive(walk, value, fspec, f"{path}.{key}")
        elif fspec.kind == COMPLEX and type(value) is dict:
            _walk_complex(walk, value, fspec, f"{path}.{key}")
        else:
            _walk_value(walk, value, fspec, f"{path}.{key}")
    for fspec in spec.required:
        key = fspec.key
        if key not in obj and (fspec.kind != PRIMITIVE or f"_{key}" not in obj):
            walk.error("required", f"{path}.{key}", f"Missing required element '{key}' ({spec.name} needs it).")
    for group in spec.required_choices:
        if groups is None or group not in groups:
            walk.error(
                "required", f"{path}.{group}[x]", f"Missing required element '{group}[x]': give one of its types."
            )


def _other_key(
    walk: Walk, obj: dict[str, Any], spec: TypeSpec, key: str, value: Any, path: str, groups: dict[str, str] | None
) -> dict[str, str] | None:
    """A key that is not an element of the type: a primitive's ``_key``, resourceType, or wrong."""
    if key[:1] == "_":
        fspec = spec.extensions.get(key)
        if fspec is not None:
            _walk_primitive_extension(walk, obj, key, value, fspec, f"{path}.{key}")
            if fspec.choice:
                groups = _note_choice(walk, groups, fspec.choice, key[1:], path)
            return groups
    if key == "resourceType" and resource_spec(spec.name) is spec:
        return groups
    walk.error("structure", f"{path}.{key}", f"Unknown element '{key}' in {spec.name}; remove it or fix its name.")
    return groups


def _bad_array(walk: Walk, key: str, value: Any, path: str) -> None:
    if type(value) is not list:
        walk.error("structure", path, f"'{key}' must be a JSON array (it repeats), not a single value.")
    else:
        walk.error("structure", path, f"'{key}' is an empty array; leave the element out instead.")


def _bad_primitive(walk: Walk, value: Any, fspec: FieldSpec, path: str) -> None:
    if value is None:
        walk.error("structure", path, "null is not a FHIR value; leave the element out instead.")
        return
    problem = fspec.checker(value) if fspec.checker is not None else "is not valid"
    walk.error("value", path, f"{_show(value)} {problem} (FHIR {fspec.type_code}).")


def _walk_complex(walk: Walk, value: dict[str, Any], fspec: FieldSpec, path: str) -> None:
    if fspec.type_code == "Extension":
        _extension(walk, value, path)
    walk_object(walk, value, fspec.spec, path)


def _extension(walk: Walk, value: dict[str, Any], path: str) -> None:
    """ext-1: an extension has a value or nested extensions, not both; known ones are collected."""
    valued = any(k.startswith("value") for k in value)
    if valued == ("extension" in value):
        walk.issues.append(
            Issue(
                ERROR,
                "invariant",
                path,
                "Constraint ext-1 failed: an extension must have either extensions or a value[x], not both"
                + (" (it has both)." if valued else " (it has neither)."),
            )
        )
    url = value.get("url")
    if walk.extension_urls is not None and isinstance(url, str) and url in walk.extension_urls:
        walk.extensions.append((path, value))


def _note_choice(walk: Walk, groups: dict[str, str] | None, group: str, key: str, path: str) -> dict[str, str]:
    if groups is None:
        groups = {}
    other = groups.get(group)
    if other is not None and other != key:
        walk.error(
            "structure", f"{path}.{key}", f"Only one type of '{group}[x]' may be present; found '{other}' and '{key}'."
        )
    groups[group] = key
    return groups


def _walk_value(walk: Walk, value: Any, fspec: FieldSpec, path: str) -> None:
    kind = fspec.kind
    if kind == PRIMITIVE:
        if value is None or fspec.checker(value) is not None:  # type: ignore[misc]
            _bad_primitive(walk, value, fspec, path)
    elif kind == COMPLEX:
        if type(value) is not dict:
            walk.error("structure", path, f"Expected a JSON object ({fspec.type_code}), found {_kind(value)}.")
        else:
            _walk_complex(walk, value, fspec, path)
    else:
        walk_resource(walk, value, path)


def _walk_primitive_extension(
    walk: Walk, obj: dict[str, Any], key: str, value: Any, fspec: FieldSpec, path: str
) -> None:
    """``_key`` holds the id and extensions of primitive ``key`` (an array of them, lined up, for arrays)."""
    espec = element_spec()
    if fspec.is_list:
        if type(value) is not list:
            walk.error("structure", path, f"'{key}' must be an array lined up with '{key[1:]}'.")
            return
        values = obj.get(key[1:])
        if isinstance(values, list) and len(values) != len(value):
            walk.error("structure", path, f"'{key}' must have as many entries as '{key[1:]}'.")
        for index, item in enumerate(value):
            if item is not None:
                _walk_extension_holder(walk, item, espec, f"{path}[{index}]")
    else:
        _walk_extension_holder(walk, value, espec, path)


def _walk_extension_holder(walk: Walk, value: Any, espec: TypeSpec, path: str) -> None:
    if type(value) is not dict:
        walk.error("structure", path, f"Expected a JSON object with id/extension, found {_kind(value)}.")
        return
    walk_object(walk, value, espec, path)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


def pydantic_issues(resource: Any) -> list[Issue]:
    """The verdict of the R4B pydantic models themselves, as Issues (slow: about 4 ms for an
    ExplanationOfBenefit). For diagnostics and for tests that compare it with the walk; it
    does not know the R4/R4B differences listed in :mod:`.model`."""
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        return [Issue(ERROR, "structure", "Resource", "Not a JSON object with a resourceType.")]
    rtype = resource["resourceType"]
    try:
        model = get_fhir_model_class(rtype)
    except (KeyError, ValueError):
        return [Issue(ERROR, "structure", rtype, f"Unknown resource type '{rtype}'.")]
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            path = rtype + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"] if p != "root")
            code = {"missing": "required", "extra_forbidden": "structure"}.get(err["type"], "value")
            issues.append(Issue(ERROR, code, path, str(err["msg"])))
        return issues
    return []
