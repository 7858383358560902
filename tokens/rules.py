"""Which scopes a credential may carry: the catalog's auth methods, the partner's allowance."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from partners.models import Partner
from tokens import scopes as catalog
from tokens.scope_data import API_KEY


def validate_api_token_scopes(partner: Partner, requested: list[str]) -> list[str]:
    """The requested scopes, de-duplicated in catalog order, or a ValidationError naming
    each refused scope and why."""
    if not requested:
        raise ValidationError({"scopes": "Choose at least one scope."})
    problems = []
    allowed = set(partner.allowed_categories)
    for code in dict.fromkeys(requested):
        scope = catalog.get(code)
        if scope is None:
            problems.append(f"{code}: unknown scope (see /scopes/).")
        elif API_KEY not in scope.auth_methods:
            methods = " or ".join(scope.auth_methods)
            problems.append(f"{code}: not available to API tokens (needs {methods}).")
        elif scope.category not in allowed:
            name = catalog.CATEGORIES_BY_SLUG[scope.category].name
            problems.append(f"{code}: the {name} category is not in your organization's allowance.")
    if problems:
        raise ValidationError({"scopes": problems})
    order = {code: i for i, code in enumerate(catalog.SCOPES_BY_CODE)}
    return sorted(dict.fromkeys(requested), key=order.__getitem__)


def api_token_choices(partner: Partner) -> list[catalog.CategoryGroup]:
    """Scopes the partner can put on an API token, grouped by category."""
    allowed = set(partner.allowed_categories)
    usable = tuple(s for s in catalog.SCOPES_BY_CODE.values() if API_KEY in s.auth_methods and s.category in allowed)
    return catalog.grouped(usable)
