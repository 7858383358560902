"""``fixed[x]`` and ``pattern[x]`` comparisons, compiled once into small functions.

A pattern matches when every property it has is in the value with a matching value, and
every item of a pattern array matches some item of the value's array (FHIR's rule); a fixed
value must be equal. Numbers compare as numbers, but ``true`` is not ``1``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Test = Callable[[Any], bool]


def same(value: Any, expected: Any) -> bool:
    if type(value) is type(expected):
        return bool(value == expected)
    numbers = (int, float)
    return (
        isinstance(value, numbers)
        and isinstance(expected, numbers)
        and not isinstance(value, bool)
        and not isinstance(expected, bool)
        and value == expected
    )


def pattern_matches(value: Any, pattern: Any) -> bool:
    """The uncompiled rule (for one-off use); :func:`compile_pattern` is the fast path."""
    if type(pattern) is dict:
        return type(value) is dict and all(k in value and pattern_matches(value[k], p) for k, p in pattern.items())
    if type(pattern) is list:
        return type(value) is list and all(any(pattern_matches(v, p) for v in value) for p in pattern)
    return same(value, pattern)


def compile_pattern(pattern: Any) -> Test:
    if type(pattern) is dict:
        parts = tuple((key, compile_pattern(inner)) for key, inner in pattern.items())
        flat = all(type(inner) not in (dict, list) for inner in pattern.values())
        if flat:  # {"system": ..., "code": ...}: plain lookups
            expected = tuple(pattern.items())

            def flat_test(value: Any) -> bool:
                return type(value) is dict and all(k in value and same(value[k], w) for k, w in expected)

            return flat_test

        def dict_test(value: Any) -> bool:
            return type(value) is dict and all(key in value and test(value[key]) for key, test in parts)

        return dict_test
    if type(pattern) is list:
        tests = tuple(compile_pattern(inner) for inner in pattern)

        def list_test(value: Any) -> bool:
            if type(value) is not list:
                return False
            return all(any(test(v) for v in value) for test in tests)

        return list_test

    def equal_test(value: Any) -> bool:
        return same(value, pattern)

    return equal_test


def compile_fixed(expected: Any) -> Test:
    def fixed_test(value: Any) -> bool:
        return same(value, expected)

    return fixed_test


def index_key(kind: str, expected: Any) -> tuple[str | None, str] | None:
    """The (system, code) or (None, text) a slice's discriminator value reduces to, when a
    lookup table can stand in for matching: a fixed or pattern string, a Coding pattern
    ``{system, code}``, or a CodeableConcept pattern with one such coding."""
    if isinstance(expected, str):
        return None, expected
    if kind != "pattern" or not isinstance(expected, dict):
        return None
    if set(expected) == {"coding"} and isinstance(expected["coding"], list) and len(expected["coding"]) == 1:
        expected = expected["coding"][0]
    if isinstance(expected, dict) and set(expected) == {"system", "code"}:
        system, code = expected["system"], expected["code"]
        if isinstance(system, str) and isinstance(code, str):
            return system, code
    return None
