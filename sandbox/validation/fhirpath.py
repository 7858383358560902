"""Profile invariants, checked in Python rather than by a FHIRPath engine.

A snapshot constraint is matched by its FHIRPath expression (whitespace normalised), not by
its key: keys repeat with different meanings (``us-core-6`` is a Patient.name rule and a
DocumentReference attachment rule). A constraint whose expression has no Python twin is not
checked; :mod:`.invariants_carin` and :mod:`.invariants_uscore` list which are and which
are deliberately not. This module holds the registry and the small helpers the twins use.

References are "resolved" only to their resource type, from the literal reference
(``Practitioner/1``, an absolute URL, a contained ``#id`` or a Bundle ``fullUrl``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from .rules import Invariant

Test = Callable[[Any, Any, str], bool]  # (value, context, JSON key) -> holds
_REGISTRY: dict[str, Test] = {}
_PROFILE_VERSION = re.compile(r"meta\.profile\.exists\(\$this\.startsWith\('([^']+)'\)\)")


def _normal(expression: str) -> str:
    return " ".join(expression.split())


def lookup(constraint: dict[str, Any]) -> Invariant | None:
    """The check for a snapshot constraint, or None when we do not implement it."""
    expression = _normal(constraint.get("expression", ""))
    test = _REGISTRY.get(expression)
    if test is None:
        match = _PROFILE_VERSION.fullmatch(expression)
        if match is None:
            return None
        test = _profile_version(match.group(1))
    return Invariant(
        key=constraint["key"],
        severity=constraint.get("severity", "error"),
        human=constraint.get("human", ""),
        test=test,
    )


def implements(expression: str) -> bool:
    expression = _normal(expression)
    return expression in _REGISTRY or _PROFILE_VERSION.fullmatch(expression) is not None


def rule(*expressions: str) -> Callable[[Test], Test]:
    def register(test: Test) -> Test:
        for expression in expressions:
            _REGISTRY[_normal(expression)] = test
        return test

    return register


# -- small FHIRPath-like helpers over parsed JSON ------------------------------------------


def items(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def get(value: Any, *names: str) -> list[Any]:
    """``value.a.b`` as a flat list."""
    current = items(value)
    for name in names:
        nxt: list[Any] = []
        for item in current:
            if isinstance(item, dict):
                nxt.extend(items(item.get(name)))
        current = nxt
    return current


def objects(value: Any, *names: str) -> list[dict[str, Any]]:
    """``value.a.b`` keeping only JSON objects (what a broken resource has there may be anything)."""
    return [item for item in get(value, *names) if isinstance(item, dict)]


def text(obj: Any, name: str) -> str | None:
    """A string element's value (None when absent or, in a broken resource, not a string)."""
    found = obj.get(name) if isinstance(obj, dict) else None
    return found if isinstance(found, str) else None


def has(obj: Any, name: str) -> bool:
    """``name.exists()``: the element, or a primitive's extension, is there."""
    return isinstance(obj, dict) and (name in obj or f"_{name}" in obj)


def choice(obj: Any, prefix: str) -> list[tuple[str, Any]]:
    """The (key, value) of a choice element ``prefix[x]``."""
    if not isinstance(obj, dict):
        return []
    size = len(prefix)
    return [(k, v) for k, v in obj.items() if k.startswith(prefix) and len(k) > size and k[size].isupper()]


def codings(value: Any, system: str | None = None, codes: Iterable[str] | None = None) -> list[dict[str, Any]]:
    wanted = set(codes) if codes is not None else None
    return [
        c
        for c in objects(value, "coding")
        if (system is None or c.get("system") == system)
        and (wanted is None or (isinstance(c.get("code"), str) and c["code"] in wanted))
    ]


def _profile_version(prefix: str) -> Test:
    def test(value: Any, ctx: Any, key: str) -> bool:
        return any(isinstance(p, str) and p.startswith(prefix) for p in get(value, "meta", "profile"))

    return test
