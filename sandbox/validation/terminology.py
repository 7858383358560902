"""Required bindings: ValueSet membership from the ValueSets and CodeSystems we ship.

A ValueSet is expanded once (cached per :class:`~.definitions.Definitions`) from its
``compose``:

* ``include.concept`` lists: exactly those codes of that system;
* ``include.system`` alone: every code of the system when we ship the CodeSystem with
  ``content: complete``; otherwise (ICD-10-CM, CPT, HCPCS, NDC, LOINC, SNOMED CT, RxNorm,
  NUBC, X12, NCPDP... which are licensed, huge, or simply not shipped) **only the system
  URI is checked**: any code in that system is accepted;
* ``include.filter``: ``is-a`` / ``descendent-of`` inside a shipped CodeSystem's hierarchy;
  any other filter, or a filter on a system we do not ship, again checks only the system;
* ``include.valueSet``: the union of those ValueSets when we ship them; when one is not
  shipped (the VSAC value sets behind US Core's race, ethnicity and birth sex), membership
  cannot be decided and every code is accepted;
* ``exclude.concept`` removes codes.

A binding we cannot check is skipped, never failed: the validator must not reject data
because it lacks a terminology server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .definitions import Definitions


@dataclass(frozen=True, slots=True)
class Expansion:
    url: str
    title: str
    codes: dict[str, frozenset[str]]  # system -> the codes listed or shipped
    open_systems: frozenset[str]  # systems of which any code is accepted (not shipped here)
    undecidable: bool  # includes a ValueSet we do not have: accept everything
    all_codes: frozenset[str]

    def has_coding(self, system: Any, code: Any) -> bool:
        if self.undecidable:
            return True
        if not isinstance(code, str) or not isinstance(system, str | None):
            return False  # a broken coding: the base layer reports its shape
        if system is None:
            return code is not None and (code in self.all_codes or bool(self.open_systems))
        if system in self.open_systems:
            return True
        listed = self.codes.get(system)
        return listed is not None and code in listed

    def has_code(self, code: Any) -> bool:
        """For a ``code`` element (no system in the instance)."""
        return self.undecidable or bool(self.open_systems) or (isinstance(code, str) and code in self.all_codes)

    def describe(self, limit: int = 8) -> str:
        parts = []
        for system, codes in sorted(self.codes.items()):
            shown = sorted(codes)
            more = f", ... {len(shown) - limit} more" if len(shown) > limit else ""
            parts.append(f"{system}: {', '.join(shown[:limit])}{more}")
        parts.extend(f"{system}: any code" for system in sorted(self.open_systems))
        return "; ".join(parts)


def expansion(defs: Definitions, reference: str) -> Expansion | None:
    """The expansion of a shipped ValueSet (``url`` or ``url|version``), or None."""
    key = ("valueset", reference)
    if key not in defs.cache:
        defs.cache[key] = _expand(defs, reference, set())
    return defs.cache[key]


def _concepts(concepts: list[dict[str, Any]], into: dict[str, list[str]], parents: tuple[str, ...] = ()) -> None:
    """Flatten a CodeSystem's concept tree: code -> its ancestors (for is-a filters)."""
    for concept in concepts:
        into[concept["code"]] = list(parents)
        _concepts(concept.get("concept", []), into, (*parents, concept["code"]))


def _code_system(defs: Definitions, system: str) -> dict[str, list[str]] | None:
    """code -> ancestors of a shipped, complete CodeSystem; None when we cannot enumerate it."""
    found = defs.code_systems.get(system)
    if found is None or found.get("content") != "complete":
        return None
    tree: dict[str, list[str]] = {}
    _concepts(found.get("concept", []), tree)
    return tree


def _expand(defs: Definitions, reference: str, seen: set[str]) -> Expansion | None:
    vs = defs.value_set(reference)
    if vs is None:
        return None
    url = vs["url"]
    seen = seen | {url}
    codes: dict[str, set[str]] = {}
    open_systems: set[str] = set()
    undecidable = False
    compose = vs.get("compose", {})
    for include in compose.get("include", []):
        for included in include.get("valueSet", []):
            inner = None if included in seen else _expand(defs, included, seen)
            if inner is None:
                undecidable = True
                continue
            undecidable = undecidable or inner.undecidable
            open_systems |= inner.open_systems
            for system, listed in inner.codes.items():
                codes.setdefault(system, set()).update(listed)
        system = include.get("system")
        if not system:
            continue
        if include.get("concept"):
            codes.setdefault(system, set()).update(c["code"] for c in include["concept"])
            continue
        tree = _code_system(defs, system)
        filters = include.get("filter", [])
        if tree is None:
            open_systems.add(system)  # external code system: only the system URI is checked
        elif not filters:
            codes.setdefault(system, set()).update(tree)
        elif all(f.get("op") in ("is-a", "descendent-of") and f.get("property") == "concept" for f in filters):
            for flt in filters:
                root = flt["value"]
                picked = {c for c, ancestors in tree.items() if root in ancestors}
                if flt["op"] == "is-a" and root in tree:
                    picked.add(root)
                codes.setdefault(system, set()).update(picked)
        else:
            open_systems.add(system)
    for exclude in compose.get("exclude", []):
        system = exclude.get("system")
        if system in codes and exclude.get("concept"):
            codes[system] -= {c["code"] for c in exclude["concept"]}
    frozen = {system: frozenset(listed) for system, listed in codes.items()}
    return Expansion(
        url=url,
        title=vs.get("title") or vs.get("name") or url,
        codes=frozen,
        open_systems=frozenset(open_systems),
        undecidable=undecidable,
        all_codes=frozenset(c for listed in frozen.values() for c in listed),
    )


def enum_expansion(url: str, codes: tuple[str, ...]) -> Expansion:
    """A core R4 code list (from the models) standing in for a ValueSet we do not ship."""
    return Expansion(
        url=url,
        title=url.rsplit("/", 1)[-1].split("|")[0],
        codes={},
        open_systems=frozenset(),
        undecidable=False,
        all_codes=frozenset(codes),
    )
