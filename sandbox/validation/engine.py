"""Running a compiled profile (:mod:`.compiler`) over one resource.

Paths in issues are instance paths: ``Patient.identifier[0].system``; an item that matched a
slice carries the slice name after its index (``ExplanationOfBenefit.adjudication[0]:
benefitpaymentstatus.reason``); a missing slice is named by its element and slice
(``ExplanationOfBenefit.supportingInfo:admissionperiod``); a missing choice element by
``value[x]``.

Slicing: each item goes to the first slice all of whose discriminators match; ``value`` and
``pattern`` discriminators compare with the slice's ``fixed[x]``/``pattern[x]`` (or, lacking
those, test membership of its required binding), ``type`` compares the item's type (choice
suffix or ``resourceType``), ``exists`` its presence, ``profile`` runs the slice's type
profile on it (only profiles we ship; a discriminator through ``resolve()`` cannot be
evaluated without fetching the target, so such slices are not counted and say so).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from .compiler import SIMPLE_QUANTITY, compile_profile
from .definitions import Definitions
from .issues import ERROR, INFORMATION, WARNING, Issue
from .model import is_r4_resource_type
from .rules import MISSING, Binding, Matcher, Rule, Slicing
from .terminology import Expansion, expansion


class Context:
    """One resource's run: where issues go and how references resolve."""

    __slots__ = ("bundle_types", "checked_extensions", "contained", "contained_types", "defs", "issues", "resource")

    def __init__(
        self,
        defs: Definitions,
        issues: list[Issue],
        resource: dict[str, Any],
        bundle_types: dict[str, str] | None = None,
        contained: bool = False,
    ) -> None:
        self.defs = defs
        self.issues = issues
        self.resource = resource
        self.contained = contained
        self.bundle_types = bundle_types or {}
        self.checked_extensions: set[int] = set()
        inner = resource.get("contained")
        self.contained_types: dict[str, str] = {
            c["id"]: c["resourceType"]
            for c in (inner if isinstance(inner, list) else ())
            if isinstance(c, dict) and isinstance(c.get("id"), str) and isinstance(c.get("resourceType"), str)
        }

    def error(self, code: str, path: str, message: str) -> None:
        self.issues.append(Issue(ERROR, code, path, message))

    def warning(self, code: str, path: str, message: str) -> None:
        self.issues.append(Issue(WARNING, code, path, message))

    def member(self, concept: Any, valueset: str) -> bool:
        """``concept.memberOf(valueset)`` for a CodeableConcept; True when we cannot tell."""
        found = expansion(self.defs, valueset)
        if found is None:
            return True
        return any(found.has_coding(c.get("system"), c.get("code")) for c in _codings(concept))

    def reference_type(self, reference: Any) -> str | None:
        """The resource type a Reference points at, when the reference itself says; else None."""
        if not isinstance(reference, dict):
            return None
        text = reference.get("reference")
        if not isinstance(text, str):
            declared = reference.get("type")
            return declared if isinstance(declared, str) else None
        if text.startswith("#"):
            return self.contained_types.get(text[1:])
        if text.startswith("urn:"):
            return self.bundle_types.get(text)
        parts = text.split("/")
        if len(parts) >= 4 and parts[-2] == "_history":
            parts = parts[:-2]
        if len(parts) >= 2 and is_r4_resource_type(parts[-2]):
            return parts[-2]
        return None


def _codings(concept: Any) -> list[dict[str, Any]]:
    if not isinstance(concept, dict):
        return []
    found = concept.get("coding")
    return [c for c in found if isinstance(c, dict)] if isinstance(found, list) else []


def check_item(ctx: Context, rule: Rule, value: Any, path: str, key: str) -> None:
    """Everything a rule says about one value (one item of a repeating element)."""
    if rule.item_checks:
        _item_checks(ctx, rule, value, path, key)
    if rule.children and type(value) is dict:
        for child in rule.children:
            if child.presence_only and child.name in value:
                continue  # present, and nothing else to check about it
            apply(ctx, child, value, path)
    if rule.invariants and (type(value) is dict or rule.is_primitive or rule.choice_keys is not None):
        for invariant in rule.invariants:
            try:
                holds = invariant.test(value, ctx, key)
            except (TypeError, AttributeError):  # data too broken to evaluate; the base layer reports it
                holds = True
            if not holds:
                ctx.issues.append(
                    Issue(
                        ERROR if invariant.severity == "error" else WARNING,
                        "invariant",
                        path,
                        f"Constraint {invariant.key} failed: {invariant.human}",
                    )
                )


def _item_checks(ctx: Context, rule: Rule, value: Any, path: str, key: str) -> None:
    if rule.value_test is not None and not rule.value_test(value):
        if rule.fixed is not MISSING:
            ctx.error(
                "value",
                path,
                f"Value must be exactly {_brief(rule.fixed)} (fixed by the profile); found {_brief(value)}.",
            )
        else:
            ctx.error(
                "value",
                path,
                f"Value must contain {_brief(rule.pattern)} (pattern set by the profile); found {_brief(value)}.",
            )
    if rule.binding is not None:
        _check_binding(ctx, rule, rule.binding, value, path)
    if rule.targets is not None:
        _check_reference(ctx, rule, rule.targets, value, path)
    for url in rule.type_profiles:
        _check_type_profile(ctx, url, value, path, key)


def apply(ctx: Context, rule: Rule, obj: dict[str, Any], path: str) -> None:
    """A child rule against its parent object: cardinality, types, slices, then each item."""
    name = rule.name
    choice_keys = rule.choice_keys
    found: list[tuple[str, str, Any]]
    if choice_keys is not None:
        found = [(f"{path}.{k}", k, v) for k, v in obj.items() if k in choice_keys]
        if rule.allowed_keys is not None:
            for item_path, key, _value in found:
                if key not in rule.allowed_keys:
                    allowed = ", ".join(sorted(rule.allowed_keys)) or "none"
                    ctx.error(
                        "structure",
                        item_path,
                        f"Type {choice_keys[key]} is not allowed here by the profile; use {allowed}.",
                    )
    else:
        value = obj.get(name)
        if value is None:
            found = [(f"{path}.{name}", name, None)] if rule.is_primitive and f"_{name}" in obj else []
        elif type(value) is list:
            found = [(f"{path}.{name}[{i}]", name, v) for i, v in enumerate(value)]
        elif rule.slicing is None and (not rule.check_max or rule.max != 0):
            check_item(ctx, rule, value, f"{path}.{name}", name)  # the common case: one value
            return
        else:
            found = [(f"{path}.{name}", name, value)]
    count = len(found)
    if count == 0:
        if rule.slicing is not None:
            _slice(ctx, rule, rule.slicing, found, path)  # required slices are missing too
        if rule.check_min and rule.min > 0:
            ctx.error("required", f"{path}.{name}", f"Missing {name}: the profile requires at least {rule.min}.")
        elif rule.must_support:
            ctx.warning(
                "required", f"{path}.{name}", f"Must-support element {name} is absent; send it when the data exists."
            )
        return
    if rule.check_max and count > rule.max:
        if rule.max == 0:
            where = found[0][0] if choice_keys is not None else f"{path}.{name}"
            ctx.error("structure", where, f"{name} must not be present in this profile (max 0).")
        else:
            ctx.error(
                "structure", f"{path}.{name}", f"Too many {name}: the profile allows at most {rule.max}, found {count}."
            )
    pieces = _slice(ctx, rule, rule.slicing, found, path) if rule.slicing is not None else None
    for index, (item_path, key, value) in enumerate(found):
        check_item(ctx, rule, value, item_path, key)
        piece = pieces[index] if pieces is not None else None
        if piece is not None:
            check_item(
                ctx, piece, value, item_path if choice_keys is not None else f"{item_path}:{piece.slice_name}", key
            )


def _slice(
    ctx: Context, rule: Rule, slicing: Slicing, found: list[tuple[str, str, Any]], path: str
) -> list[Rule | None]:
    slices = slicing.slices
    counts = [0] * len(slices)
    assigned: list[Rule | None] = []
    last = -1
    for item_path, key, value in found:
        hit = _which_slice(ctx, rule, slicing, value, key)
        if hit is None:
            assigned.append(None)
            if slicing.rules == "closed" and (rule.allowed_keys is None or key in rule.allowed_keys):
                names = ", ".join(s.slice_name or "?" for s in slices) or "none"
                ctx.error(
                    "structure",
                    item_path,
                    f"This {rule.name} matches none of the profile's slices ({names}; {slicing.description}), "
                    "and the slicing is closed.",
                )
            continue
        if slicing.ordered and hit < last:
            ctx.error("structure", item_path, f"Slices of {rule.name} must come in the profile's order.")
        last = max(last, hit)
        counts[hit] += 1
        assigned.append(slices[hit])
    for index, piece in enumerate(slices):
        slice_path = f"{path}.{rule.name}:{piece.slice_name}"
        matchers = slicing.matchers[index]
        if matchers is None:
            if piece.min > 0:
                ctx.issues.append(
                    Issue(
                        INFORMATION,
                        "not-supported",
                        slice_path,
                        f"Slice {piece.slice_name} ({slicing.description}) cannot be evaluated here (it needs a "
                        "reference resolved or a profile we do not ship); its cardinality was not checked.",
                    )
                )
            continue
        seen = counts[index]
        if seen < piece.min:
            ctx.error(
                "required",
                slice_path,
                f"Missing required slice {piece.slice_name} of {rule.name}: needs at least {piece.min}, found {seen}; "
                f"add one with {_hint(slicing, index)}.",
            )
        elif seen == 0 and piece.must_support:
            ctx.warning(
                "required",
                slice_path,
                f"Must-support slice {piece.slice_name} ({_hint(slicing, index)}) is absent; "
                "send it when the data exists.",
            )
        if piece.max != -1 and seen > piece.max:
            ctx.error(
                "structure",
                slice_path,
                f"Too many {rule.name} in slice {piece.slice_name}: at most {piece.max}, found {seen}.",
            )
    return assigned


def _which_slice(ctx: Context, rule: Rule, slicing: Slicing, value: Any, key: str) -> int | None:
    """The first slice whose discriminators all match the item (a table lookup where possible)."""
    index = slicing.index
    candidates: Iterable[int]
    if index is not None:
        for found in _values_at(value, slicing.index_segments) if slicing.index_segments else (value,):
            if type(found) is str:
                hit = index.get((None, found))
                if hit is not None:
                    return hit
            elif type(found) is dict:
                codings = found.get("coding")
                for coding in codings if type(codings) is list else (found,):
                    if type(coding) is dict:
                        system, code = coding.get("system"), coding.get("code")
                        if type(code) is str and (system is None or type(system) is str):
                            hit = index.get((system, code))
                            if hit is not None:
                                return hit
        candidates = slicing.unindexed
    else:
        candidates = range(len(slicing.matchers))
    for position in candidates:
        matchers = slicing.matchers[position]
        if matchers is not None and all(_match(ctx, m, rule, value, key) for m in matchers):
            return position
    return None


def _values_at(value: Any, segments: tuple[str, ...]) -> list[Any]:
    current = [value]
    for segment in segments:
        nxt: list[Any] = []
        for item in current:
            if type(item) is not dict:
                continue
            found = item.get(segment)
            if found is None:
                size = len(segment)
                found = next(
                    (v for k, v in item.items() if k.startswith(segment) and k[size : size + 1].isupper()), None
                )
            if type(found) is list:
                nxt.extend(found)
            elif found is not None:
                nxt.append(found)
        current = nxt
    return current


def _match(ctx: Context, matcher: Matcher, rule: Rule, value: Any, key: str) -> bool:
    kind = matcher.kind
    if kind == "type" and not matcher.segments:
        if rule.choice_keys is not None:
            return rule.choice_keys.get(key) in matcher.expected
        return isinstance(value, dict) and value.get("resourceType") in matcher.expected
    values = _values_at(value, matcher.segments) if matcher.segments else [value]
    if kind in ("fixed", "pattern"):
        test = matcher.test
        return test is not None and any(test(v) for v in values)
    if kind == "binding":
        return any(_in_expansion(matcher.expected, v) for v in values)
    if kind == "type":
        return any(isinstance(v, dict) and v.get("resourceType") in matcher.expected for v in values)
    if kind == "exists":
        return bool(values) == matcher.expected
    if kind == "profile":
        return any(all(conforms(ctx, v, url, key) for url in matcher.expected) for v in values)
    return False


def conforms(ctx: Context, value: Any, url: str, key: str) -> bool:
    """Whether a value meets a profile, without reporting its issues."""
    profile = compile_profile(ctx.defs, url)
    if profile is None:
        return False
    saved = ctx.issues
    ctx.issues = []
    try:
        check_item(ctx, profile.root, value, "", key)
        return not any(i.severity == ERROR for i in ctx.issues)
    finally:
        ctx.issues = saved


def _in_expansion(found: Expansion, value: Any) -> bool:
    if isinstance(value, str):
        return found.has_code(value)
    if not isinstance(value, dict):
        return False
    if "coding" in value:
        return any(found.has_coding(c.get("system"), c.get("code")) for c in _codings(value))
    return found.has_coding(value.get("system"), value.get("code"))


def _check_binding(ctx: Context, rule: Rule, binding: Binding, value: Any, path: str) -> None:
    found = binding.expansion
    if isinstance(value, dict) and "coding" not in value and "code" not in value:
        if "CodeableConcept" in rule.type_codes and "text" in value:
            ctx.error(
                "code-invalid",
                path,
                f"Only text given; the required value set {found.title} needs a coding from it ({found.describe()}).",
            )
        return
    if value is None or _in_expansion(found, value):
        return
    ctx.error(
        "code-invalid",
        path,
        f"{_brief(value)} is not in the required value set {found.title} ({binding.valueset}); "
        f"use a code from it: {found.describe()}.",
    )


def _check_reference(ctx: Context, rule: Rule, targets: frozenset[str], value: Any, path: str) -> None:
    if not isinstance(value, dict):
        return
    found = ctx.reference_type(value)
    if found is None:
        text = value.get("reference")
        if isinstance(text, str) and ":" not in text and not text.startswith("#") and "/" in text:
            ctx.error(
                "structure", f"{path}.reference", f"'{text}' does not start with an R4 resource type; use Type/id."
            )
        return
    if found not in targets:
        ctx.error(
            "structure",
            f"{path}.reference" if "reference" in value else path,
            f"Refers to a resource of type {found}; the profile allows only {', '.join(sorted(targets))} "
            f"({rule.target_text}).",
        )


def _check_type_profile(ctx: Context, url: str, value: Any, path: str, key: str) -> None:
    if url == SIMPLE_QUANTITY:
        if isinstance(value, dict) and "comparator" in value:
            ctx.error("value", f"{path}.comparator", "A SimpleQuantity has no comparator; remove it.")
        return
    profile = compile_profile(ctx.defs, url)
    if profile is None or not isinstance(value, dict):
        return
    ctx.checked_extensions.add(id(value))
    check_item(ctx, profile.root, value, path, key)


def _brief(value: Any) -> str:
    if isinstance(value, dict) and "coding" in value and len(value) == 1:
        value = value["coding"]
    if isinstance(value, list) and all(isinstance(c, dict) and "code" in c for c in value):
        return " or ".join(_brief(c) for c in value)
    if isinstance(value, dict) and "code" in value and set(value) <= {"system", "code", "display", "version"}:
        return f"{value.get('system', '')}#{value['code']}"
    text = json.dumps(value, separators=(",", ":"), sort_keys=True) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _hint(slicing: Slicing, index: int) -> str:
    """How to write an item of a slice (worked out once per slice)."""
    hint = slicing.hints.get(index)
    if hint is None:
        matchers = slicing.matchers[index]
        hint = slicing.hints[index] = _how(matchers) if matchers else "the slice's discriminators"
    return hint


def _how(matchers: tuple[Matcher, ...]) -> str:
    parts = []
    for matcher in matchers:
        where = ".".join(matcher.segments) or "the value"
        if matcher.kind in ("fixed", "pattern"):
            parts.append(f"{where} = {_brief(matcher.expected)}")
        elif matcher.kind == "binding":
            parts.append(f"{where} from {matcher.expected.title}")
        elif matcher.kind == "type":
            parts.append(f"{where} of type {' or '.join(sorted(matcher.expected))}")
        elif matcher.kind == "exists":
            parts.append(f"{where} {'present' if matcher.expected else 'absent'}")
        else:
            parts.append(f"{where} conforming to {', '.join(matcher.expected)}")
    return " and ".join(parts)
