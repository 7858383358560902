"""Read access to the scope catalog (data in :mod:`scopes.data`), and the one allowance rule."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from scopes import smart
from scopes.data import CATEGORIES, HOME_PAGE_SCOPES, SCOPES, Category, ScopeDef

SCOPES_BY_CODE: dict[str, ScopeDef] = {s.code: s for s in SCOPES}
CATEGORIES_BY_SLUG: dict[str, Category] = {c.slug: c for c in CATEGORIES}


@dataclass(frozen=True)
class CategoryGroup:
    category: Category
    scopes: tuple[ScopeDef, ...]


def get(code: str) -> ScopeDef | None:
    return SCOPES_BY_CODE.get(code)


def grouped(scopes: tuple[ScopeDef, ...] = SCOPES) -> list[CategoryGroup]:
    """Scopes by category, in catalog order, leaving out empty categories."""
    groups = [CategoryGroup(c, tuple(s for s in scopes if s.category == c.slug)) for c in CATEGORIES]
    return [g for g in groups if g.scopes]


def home_page_scopes() -> list[ScopeDef]:
    return [SCOPES_BY_CODE[code] for code in HOME_PAGE_SCOPES]


def search(query: str = "", category: str = "") -> tuple[ScopeDef, ...]:
    """Case-insensitive match on code, description, endpoints and products."""
    needle = query.strip().lower()

    def matches(s: ScopeDef) -> bool:
        haystack = " ".join((s.code, s.description, *s.endpoints, *s.products, *s.auth_methods)).lower()
        return (not needle or needle in haystack) and (not category or s.category == category)

    return tuple(s for s in SCOPES if matches(s))


def as_json(scope: ScopeDef) -> dict[str, Any]:
    return {
        "code": scope.code,
        "category": scope.category,
        "category_name": CATEGORIES_BY_SLUG[scope.category].name,
        "description": scope.description,
        "endpoints": list(scope.endpoints),
        "auth_methods": list(scope.auth_methods),
        "products": list(scope.products),
        "smart": scope.smart,
    }


def stats() -> dict[str, int]:
    return {
        "total": len(SCOPES),
        "categories": len(CATEGORIES),
        "smart": sum(1 for s in SCOPES if s.smart),
    }


def within_allowance(codes: Iterable[str], allowed_categories: Iterable[str]) -> frozenset[str]:
    """The codes whose category is in the partner's allowance. Every credential's scopes
    pass through this when used (bearer authentication, the token endpoint, introspection),
    so when staff narrow an allowance the removed scopes stop working everywhere at once."""
    allowed = set(allowed_categories)
    return frozenset(c for c in codes if category_of(c) in allowed)


def category_of(code: str) -> str | None:
    """The category of a catalog scope, or of a SMART resource scope the catalog does not
    list by name (``patient/Observation.rs?category=...``); None for anything else."""
    scope = SCOPES_BY_CODE.get(code)
    return scope.category if scope is not None else smart.category(code)


_ORDER = {code: index for index, code in enumerate(SCOPES_BY_CODE)}


def ordered(codes: Iterable[str]) -> list[str]:
    """Catalog codes in catalog order (how every list of scopes is shown), then SMART
    resource scopes the catalog does not name, alphabetically; anything else dropped."""
    unique = set(codes)
    named = sorted((c for c in unique if c in _ORDER), key=_ORDER.__getitem__)
    return named + sorted(c for c in unique if c not in _ORDER and smart.parse(c) is not None)
