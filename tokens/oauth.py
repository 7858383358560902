"""django-oauth-toolkit integration: fast client authentication and catalog-driven scopes."""

from __future__ import annotations

import logging
import time
from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes

from tokens import jwt_auth, secrets
from tokens import scopes as catalog

log = logging.getLogger(__name__)

HMAC_PREFIX = "hmac$"


def store_client_secret(raw: str, previous: str = "", previous_until: int = 0) -> str:
    """What the client_secret column holds: a keyed hash, never the secret. During a
    rotation it also holds the previous secret's hash and when that stops working:
    ``hmac$<new>|<old>@<unix time>``."""
    stored = HMAC_PREFIX + secrets.hash_secret(raw)
    if previous:
        stored += f"|{previous}@{previous_until}"
    return stored


def current_hash(stored: str) -> str:
    return stored.removeprefix(HMAC_PREFIX).split("|", 1)[0]


def secret_matches(provided: str, stored: str) -> bool:
    if not stored.startswith(HMAC_PREFIX):
        return False  # anything else (a Django password hash, a plain value) is never accepted
    current, _, rotation = stored.removeprefix(HMAC_PREFIX).partition("|")
    if secrets.matches(provided or "", current):
        return True
    if rotation:
        previous, _, until = rotation.partition("@")
        return int(until or 0) > time.time() and secrets.matches(provided or "", previous)
    return False


class Validator(OAuth2Validator):
    def authenticate_client(self, request: Any, *args: Any, **kwargs: Any) -> bool:
        """client_secret_basic, client_secret_post or private_key_jwt — each client only by
        the method it registered."""
        if getattr(request, "client_assertion", None) is not None or getattr(request, "client_assertion_type", None):
            return self._authenticate_private_key_jwt(request)
        if self._authenticate_basic_auth(request):
            method = "client_secret_basic"
        elif self._authenticate_request_body(request):
            method = "client_secret_post"
        else:
            return False
        if request.client.token_endpoint_auth_method != method:
            log.info(
                "Client %s used %s but registered %s",
                request.client.client_id,
                method,
                request.client.token_endpoint_auth_method,
            )
            request.client = None
            return False
        return True

    def _authenticate_private_key_jwt(self, request: Any) -> bool:
        if getattr(request, "client_assertion_type", None) != jwt_auth.ASSERTION_TYPE:
            return False
        assertion = getattr(request, "client_assertion", None) or ""
        try:
            client_id = jwt_auth.unverified_issuer(assertion)
            client = self._load_application(client_id, request)
            uses_jwt = client is not None and client.token_endpoint_auth_method == jwt_auth.AUTH_METHOD
            if client is None or not uses_jwt or not client.jwks:
                raise jwt_auth.AssertionRejected("no private_key_jwt client with that id")
            jwt_auth.verify(assertion, client_id=client_id, jwks=client.jwks)
        except jwt_auth.AssertionRejected as exc:
            log.info("private_key_jwt refused: %s", exc)
            request.client = None
            return False
        request.client_id = client_id
        return True

    def _check_secret(self, provided_secret: str, stored_secret: str) -> bool:
        return secret_matches(provided_secret, stored_secret)

    def _load_application(self, client_id: str, request: Any) -> Any:
        client = super()._load_application(client_id, request)
        if client is not None and (client.disabled_at is not None or not client.partner.sandbox_open):
            request.client = None
            return None
        return client

    def validate_grant_type(
        self, client_id: str, grant_type: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        if client.is_resource_server:  # gateways introspect; they never hold tokens themselves
            return False
        return bool(super().validate_grant_type(client_id, grant_type, client, request, *args, **kwargs))

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
