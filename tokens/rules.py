"""Which scopes a credential may carry: the catalog's auth methods, the partner's allowance."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from partners.models import Partner
from scopes import catalog
from scopes.data import API_KEY, OAUTH2


def validate_api_token_scopes(partner: Partner, requested: list[str]) -> list[str]:
    """The requested scopes, de-duplicated in catalog order, or a ValidationError naming
    each refused scope and why."""
    return _validate(partner, requested, API_KEY, "API tokens")


def validate_client_scopes(partner: Partner, requested: list[str]) -> list[str]:
    """Scopes an OAuth 2.0 client_credentials client may register."""
    return _validate(partner, requested, OAUTH2, "OAuth 2.0 clients")


def _validate(partner: Partner, requested: list[str], method: str, kind: str) -> list[str]:
    if not requested:
        raise ValidationError({"scopes": "Choose at least one scope."})
    problems = []
    usable = catalog.within_allowance(requested, partner.allowed_categories)
    for code in dict.fromkeys(requested):
        scope = catalog.get(code)
        if scope is None:
            problems.append(f"{code}: unknown scope (see /scopes/).")
        elif method not in scope.auth_methods:
            methods = " or ".join(scope.auth_methods)
            problems.append(f"{code}: not available to {kind} (needs {methods}).")
        elif code not in usable:
            name = catalog.CATEGORIES_BY_SLUG[scope.category].name
            problems.append(f"{code}: the {name} category is not in your organization's allowance.")
    if problems:
        raise ValidationError({"scopes": problems})
    return catalog.ordered(requested)


def choices(partner: Partner, method: str = API_KEY) -> list[catalog.CategoryGroup]:
    """Scopes the partner can put on a credential using ``method``, grouped by category."""
    allowed = set(partner.allowed_categories)
    usable = tuple(s for s in catalog.SCOPES_BY_CODE.values() if method in s.auth_methods and s.category in allowed)
    return catalog.grouped(usable)
