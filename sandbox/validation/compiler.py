"""StructureDefinition snapshot -> a tree of :class:`~.rules.Rule` checks, once per profile.

Each snapshot element becomes a rule under its parent (by element id: ``a.b:slice.c``);
slices hang under the element they slice. Then every rule works out what it must check
beyond the base resource, comparing with the R4 base structure (:mod:`.model`) so that the
base layer's findings are not repeated:

* cardinality: ``min`` above the base minimum, ``max`` below the base maximum (``max: "0"``
  forbids the element); every slice's own ``min``/``max``;
* ``fixed[x]`` (exact) and ``pattern[x]`` (partial match);
* choice elements: the types the profile still allows;
* required bindings we can check (:mod:`.terminology`; for core code lists we do not ship,
  the models' enum values);
* ``Reference`` targets: resource types from ``targetProfile``;
* type profiles: extension definitions we ship, and core ``SimpleQuantity``;
* slicing with its discriminators compiled to matchers;
* must-support; the invariants of :mod:`.invariants`.

Rules with nothing to check, and no descendant that has, are pruned, so the run time is
proportional to what the profile constrains and the resource holds.
"""

from __future__ import annotations

from typing import Any

from . import fhirpath, invariants_carin, invariants_uscore, model
from .definitions import CORE_PREFIX, Definitions
from .patterns import compile_fixed, compile_pattern, index_key
from .primitives import PRIMITIVE_TYPES, suffix_of_type
from .rules import MISSING, Binding, Invariant, Matcher, Profile, Rule, Slicing
from .terminology import enum_expansion, expansion

SIMPLE_QUANTITY = CORE_PREFIX + "SimpleQuantity"
_RULE_MODULES = (invariants_carin, invariants_uscore)  # importing them registers their invariants
_BASE_CONSTRAINTS = ("ele-", "ext-", "dom-")


def compile_profile(defs: Definitions, reference: str) -> Profile | None:
    """The compiled profile for a canonical (``url`` or ``url|version``), cached; None if unknown."""
    key = ("profile", reference)
    if key not in defs.cache:
        sd = defs.structure_definition(reference)
        defs.cache[key] = None if sd is None else _compile(defs, sd)
    return defs.cache[key]


def _compile(defs: Definitions, sd: dict[str, Any]) -> Profile:
    rules: dict[str, Rule] = {}
    root: Rule | None = None
    for element in sd["snapshot"]["element"]:
        rule = _new_rule(element)
        rules[rule.id] = rule
        segments = rule.id.split(".")
        if len(segments) == 1:
            root = rule
            continue
        own = segments[-1]
        if ":" in own:
            sliced = ".".join([*segments[:-1], own.split(":", 1)[0]])
            rules[sliced].raw_slices.append(rule)
        else:
            rules[".".join(segments[:-1])].all_children[rule.name] = rule
    if root is None:
        raise ValueError(f"{sd['url']} has an empty snapshot")
    profile = Profile(
        url=sd["url"], version=sd.get("version"), type=sd["type"], title=sd.get("title") or sd["name"], root=root
    )
    _finish(defs, root, is_root=True)
    return profile


def _new_rule(element: dict[str, Any]) -> Rule:
    element_id: str = element["id"]
    path: str = element["path"]
    own = element_id.rsplit(".", 1)[-1]
    name = own.split(":", 1)[0]
    maximum = element.get("max", "*")
    types = tuple(t["code"] for t in element.get("type", []))
    return Rule(
        id=element_id,
        name=name,
        slice_name=element.get("sliceName"),
        path=path,
        min=int(element.get("min", 0)),
        max=-1 if maximum == "*" else int(maximum),
        type_codes=types,
        is_primitive=bool(types)
        and all(t in PRIMITIVE_TYPES or t.startswith("http://hl7.org/fhirpath/") for t in types),
        must_support=bool(element.get("mustSupport")),
        element=element,
    )


def _finish(defs: Definitions, rule: Rule, is_root: bool = False) -> None:
    """Work out what the rule checks, bottom-up; keep only active children."""
    element = rule.element
    for child in rule.all_children.values():
        _finish(defs, child)
    for piece in rule.raw_slices:
        _finish(defs, piece)
    if not is_root:
        _cardinality(rule)
        _values(defs, rule, element)
        _types(defs, rule, element)
    rule.invariants = tuple(_invariants(element))
    rule.children = tuple(c for c in rule.all_children.values() if c.active)
    rule.slicing = _slicing(defs, rule)
    if rule.fixed is not MISSING:
        rule.value_test = compile_fixed(rule.fixed)
    elif rule.pattern is not MISSING:
        rule.value_test = compile_pattern(rule.pattern)
    rule.item_checks = bool(
        rule.value_test is not None or rule.binding is not None or rule.targets is not None or rule.type_profiles
    )
    rule.presence_only = not (
        rule.item_checks
        or rule.children
        or rule.slicing is not None
        or rule.invariants
        or rule.choice_keys is not None
        or rule.check_max
    )
    if is_root:
        rule.must_support = False
    rule.active = bool(
        rule.check_min
        or rule.check_max
        or rule.must_support
        or rule.fixed is not MISSING
        or rule.pattern is not MISSING
        or rule.binding is not None
        or rule.allowed_keys is not None
        or rule.targets is not None
        or rule.type_profiles
        or rule.children
        or rule.slicing is not None
        or rule.invariants
    )


def _cardinality(rule: Rule) -> None:
    if rule.slice_name is not None:
        rule.check_min = rule.min > 0
        rule.check_max = rule.max != -1
        return
    base = model.base_cardinality(rule.path)
    if base is None:
        rule.check_min = rule.min > 0
        rule.check_max = rule.max != -1
        return
    base_min, base_max = base
    rule.check_min = rule.min > base_min
    rule.check_max = rule.max != -1 and (base_max == -1 or rule.max < base_max)


def _values(defs: Definitions, rule: Rule, element: dict[str, Any]) -> None:
    for key, value in element.items():
        if key.startswith("fixed"):
            rule.fixed = value
        elif key.startswith("pattern"):
            rule.pattern = value
    binding = element.get("binding")
    if not binding or binding.get("strength") != "required" or not binding.get("valueSet"):
        return
    found = expansion(defs, binding["valueSet"])
    if found is None and rule.type_codes == ("code",):
        codes = model.enum_values_at(rule.path)
        if codes:
            found = enum_expansion(binding["valueSet"], codes)
    if found is not None and not found.undecidable:
        rule.binding = Binding(found, binding["valueSet"])


def _target_type(defs: Definitions, url: str) -> str | None:
    """The resource type a targetProfile stands for; None for 'any' or unknown."""
    sd = defs.structure_definition(url)
    if sd is not None:
        return str(sd["type"])
    plain = url.split("|")[0]
    if plain.startswith(CORE_PREFIX):
        name = plain[len(CORE_PREFIX) :]
        if name != "Resource" and model.is_r4_resource_type(name):
            return name
    return None


def _types(defs: Definitions, rule: Rule, element: dict[str, Any]) -> None:
    types = element.get("type", [])
    if rule.name.endswith("[x]"):
        prefix = rule.name[:-3]
        rule.choice_keys = model.choice_keys_at(rule.path) or {
            prefix + suffix_of_type(t["code"]): t["code"] for t in types
        }
        allowed = frozenset(prefix + suffix_of_type(t["code"]) for t in types)
        if set(rule.choice_keys) - allowed:
            rule.allowed_keys = allowed
    targets: set[str] = set()
    open_target = False
    texts = []
    profiles: list[str] = []
    declared: list[str] = []
    for entry in types:
        if entry["code"] == "Reference":
            for url in entry.get("targetProfile", []) or [CORE_PREFIX + "Resource"]:
                texts.append(url.split("|")[0].rsplit("/", 1)[-1])
                found = _target_type(defs, url)
                if found is None:
                    open_target = True
                else:
                    targets.add(found)
        for url in entry.get("profile", []):
            declared.append(url)
            if url == SIMPLE_QUANTITY or defs.structure_definition(url) is not None:
                profiles.append(url)
    if targets and not open_target:
        rule.targets = frozenset(targets)
        rule.target_text = ", ".join(texts)
    rule.type_profiles = tuple(profiles)
    rule.declared_profiles = tuple(declared)


def _invariants(element: dict[str, Any]) -> list[Invariant]:
    out = []
    for constraint in element.get("constraint", []):
        if constraint["key"].startswith(_BASE_CONSTRAINTS):
            continue  # ele-1 and ext-1 are checked by the base layer; dom-* are not implemented
        found = fhirpath.lookup(constraint)
        if found is not None:
            out.append(found)
    return out


def _find(rule: Rule, segments: tuple[str, ...]) -> Rule | None:
    """The rule at a discriminator path below a slice."""
    current = rule
    for segment in segments:
        nxt = current.all_children.get(segment)
        if nxt is None:  # "value" for "value[x]", or a choice renamed to its type
            nxt = next(
                (c for n, c in current.all_children.items() if n.endswith("[x]") and segment.startswith(n[:-3])),
                None,
            )
        if nxt is None:
            return None
        current = nxt
    return current


def _matcher(defs: Definitions, piece: Rule, discriminator: dict[str, str]) -> Matcher | None:
    kind = discriminator["type"]
    path = discriminator["path"]
    segments = () if path == "$this" else tuple(path.split("."))
    if any(s.startswith("resolve(") or "(" in s for s in segments):
        return None  # resolve() and other functions: references are not resolved
    if kind == "type":
        target = piece if not segments else _find(piece, segments)
        return None if target is None else Matcher("type", segments, frozenset(target.type_codes))
    target = piece if not segments else _find(piece, segments)
    if kind in ("value", "pattern"):
        if target is not None and target.fixed is not MISSING:
            return Matcher("fixed", segments, target.fixed, compile_fixed(target.fixed))
        if target is not None and target.pattern is not MISSING:
            return Matcher("pattern", segments, target.pattern, compile_pattern(target.pattern))
        if target is not None and target.binding is not None:
            return Matcher("binding", segments, target.binding.expansion)
        if segments == ("url",) and piece.declared_profiles:  # extensions: sliced by their definition's URL
            url = piece.declared_profiles[0].split("|")[0]
            return Matcher("fixed", segments, url, compile_fixed(url))
        return None
    if kind == "exists":
        if target is None:
            return None
        return Matcher("exists", segments, target.min > 0 or target.max != 0)
    if kind == "profile":
        urls = tuple(u for u in (target.type_profiles if target else ()) if defs.structure_definition(u))
        return Matcher("profile", segments, urls) if urls else None  # a profile we do not ship: cannot tell
    return None


def _slicing(defs: Definitions, rule: Rule) -> Slicing | None:
    spec = rule.element.get("slicing")
    if not spec or (not rule.raw_slices and spec.get("rules") != "closed"):
        return None
    discriminators = spec.get("discriminator", [])
    matchers: list[tuple[Matcher, ...] | None] = []
    for piece in rule.raw_slices:
        compiled = [_matcher(defs, piece, d) for d in discriminators]
        matchers.append(None if not compiled or any(m is None for m in compiled) else tuple(m for m in compiled if m))
    # A slice with nothing to check still counts items (its min/max).
    for piece in rule.raw_slices:
        piece.active = True
    slicing = Slicing(
        rules=spec.get("rules", "open"),
        ordered=bool(spec.get("ordered")),
        slices=tuple(rule.raw_slices),
        matchers=tuple(matchers),
        description=", ".join(f"{d['type']} of {d['path']}" for d in discriminators) or "(none)",
    )
    _index(slicing)
    return slicing


def _index_keys(matcher: Matcher) -> list[tuple[str | None, str]] | None:
    """The lookup keys one discriminator stands for: one code or URL, or every code of a
    fully enumerated value set (a binding discriminator)."""
    if matcher.kind == "binding":
        found = matcher.expected
        if found.undecidable or found.open_systems:
            return None
        return [(system, code) for system, codes in found.codes.items() for code in codes]
    key = index_key(matcher.kind, matcher.expected)
    return None if key is None else [key]


def _index(slicing: Slicing) -> None:
    """Replace one-by-one matching with a table where slices differ by one code or URL."""
    table: dict[tuple[str | None, str], int] = {}
    unindexed: list[int] = []
    segments: tuple[str, ...] | None = None
    for position, matchers in enumerate(slicing.matchers):
        if matchers is None:
            continue
        keys = _index_keys(matchers[0]) if len(matchers) == 1 else None
        if not keys or any(k in table for k in keys) or (segments is not None and matchers[0].segments != segments):
            unindexed.append(position)
            continue
        segments = matchers[0].segments
        for key in keys:
            table[key] = position
    if len(table) >= 2 and segments is not None:
        slicing.index = table
        slicing.index_segments = segments
        slicing.unindexed = tuple(unindexed)
