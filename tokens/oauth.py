"""django-oauth-toolkit integration: fast client authentication and catalog-driven scopes."""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes

from tokens import scopes as catalog
from tokens import secrets

HMAC_PREFIX = "hmac$"


def store_client_secret(raw: str) -> str:
    """What the client_secret column holds: a keyed hash, never the secret."""
    return HMAC_PREFIX + secrets.hash_secret(raw)


class Validator(OAuth2Validator):
    def _check_secret(self, provided_secret: str, stored_secret: str) -> bool:
        if stored_secret.startswith(HMAC_PREFIX):
            return secrets.matches(provided_secret or "", stored_secret.removeprefix(HMAC_PREFIX))
        # Anything else (a Django password hash, a plain value) is never accepted here.
        return False

    def _load_application(self, client_id: str, request: Any) -> Any:
        client = super()._load_application(client_id, request)
        if client is not None and (client.disabled_at is not None or not client.partner.sandbox_open):
            request.client = None
            return None
        return client

    def validate_scopes(
        self, client_id: str, scopes: list[str], client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        """Requested ⊆ the client's registered scopes ⊆ the partner's allowance."""
        allowed = set(client.partner.allowed_categories)
        for code in scopes:
            scope = catalog.get(code)
            if scope is None or code not in client.scopes or scope.category not in allowed:
                return False
        return True

    def get_default_scopes(self, client_id: str, request: Any, *args: Any, **kwargs: Any) -> list[str]:
        # No "__all__": without a scope parameter a client gets exactly what it registered.
        client = request.client
        return list(client.scopes) if client is not None else []


class CatalogScopes(BaseScopes):
    def get_all_scopes(self) -> dict[str, str]:
        return {code: s.description for code, s in catalog.SCOPES_BY_CODE.items()}

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return list(application.scopes) if application is not None else []

    def get_default_scopes(self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any) -> list[str]:
        return list(application.scopes) if application is not None else []
