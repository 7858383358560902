"""The compiled form of a profile: a tree of element rules, built once per StructureDefinition
(:mod:`.compiler`) and run against every resource that claims it (:mod:`.engine`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .terminology import Expansion


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass(slots=True, eq=False)
class Binding:
    """A required binding we can check."""

    expansion: Expansion
    valueset: str  # as written in the profile


@dataclass(slots=True, eq=False)
class Invariant:
    """A profile constraint we implement in Python (see :mod:`.invariants`)."""

    key: str
    severity: str  # "error" | "warning"
    human: str
    test: Callable[[Any, Any, str], bool]  # (the element's value, the run's Context, its JSON key) -> holds


@dataclass(slots=True, eq=False)
class Matcher:
    """One discriminator of one slice, ready to test an item.

    kind: ``fixed`` / ``pattern`` / ``binding`` (value and pattern discriminators),
    ``type``, ``exists`` or ``profile``; ``segments`` the discriminator path split on dots
    (empty for ``$this``).
    """

    kind: str
    segments: tuple[str, ...]
    expected: Any = None  # fixed or pattern value, Expansion, set of type codes, bool, profile URLs
    test: Callable[[Any], bool] | None = None  # fixed and pattern: the compiled comparison


@dataclass(slots=True, eq=False)
class Slicing:
    rules: str  # "open" | "closed" | "openAtEnd"
    ordered: bool
    slices: tuple[Rule, ...]
    matchers: tuple[tuple[Matcher, ...] | None, ...]  # per slice; None: cannot be evaluated
    description: str  # the discriminators, for messages
    hints: dict[int, str] = field(default_factory=dict)  # slice -> how to write one (cached)
    # A lookup table standing in for the matchers of most slices (see patterns.index_key):
    index_segments: tuple[str, ...] = ()
    index: dict[tuple[str | None, str], int] | None = None
    unindexed: tuple[int, ...] = ()  # slices still matched one by one, in order


@dataclass(slots=True, eq=False)
class Rule:
    """What a profile says about one element (or one slice of it)."""

    id: str  # element id: "ExplanationOfBenefit.supportingInfo:admissionperiod.timing[x]"
    name: str  # "timing[x]", "status"
    slice_name: str | None
    path: str  # element path without slices: "ExplanationOfBenefit.supportingInfo.timing[x]"
    min: int
    max: int  # -1 for *
    type_codes: tuple[str, ...]
    is_primitive: bool = False
    check_min: bool = False
    check_max: bool = False
    must_support: bool = False
    choice_keys: dict[str, str] | None = None  # choice elements: every R4 JSON key -> type
    allowed_keys: frozenset[str] | None = None  # choice keys this profile allows
    fixed: Any = MISSING
    pattern: Any = MISSING
    value_test: Callable[[Any], bool] | None = None  # fixed/pattern compiled
    item_checks: bool = False  # any of fixed, pattern, binding, targets, type_profiles
    binding: Binding | None = None
    targets: frozenset[str] | None = None  # Reference: allowed resource types
    target_text: str = ""
    type_profiles: tuple[str, ...] = ()  # profiles on the element's type that we can check
    declared_profiles: tuple[str, ...] = ()  # every profile on the element's type, known or not
    children: tuple[Rule, ...] = ()
    slicing: Slicing | None = None
    invariants: tuple[Invariant, ...] = ()
    active: bool = False
    # Only presence matters (cardinality, must-support): the parent tests it inline.
    presence_only: bool = False
    # compile-time only: every child by name, pruned or not (to find discriminator targets)
    all_children: dict[str, Rule] = field(default_factory=dict)
    raw_slices: list[Rule] = field(default_factory=list)
    element: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True, eq=False)
class Profile:
    url: str
    version: str | None
    type: str  # the resource or datatype constrained
    title: str
    root: Rule
