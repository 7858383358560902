"""django-oauth-toolkit integration: fast client authentication and catalog-driven scopes."""

from __future__ import annotations

import logging
import time
from typing import Any, TypeVar

from django.db import models, router
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from oauth2_provider import views as dot_views
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes
from oauth2_provider.signals import app_authorized

from partners.models import Partner
from scopes import catalog
from tokens import jwks_remote, jwt_auth, keys
from tokens.auth import CLIENT_FIELDS, client_row
from tokens.models import OAuthClient

log = logging.getLogger(__name__)

HMAC_PREFIX = "hmac$"
SECRET_METHODS = ("client_secret_basic", "client_secret_post")


def store_client_secret(raw: str, previous: str = "", previous_until: int = 0) -> str:
    """What the client_secret column holds: a keyed hash, never the secret. During a
    rotation it also holds the previous secret's hash and when that stops working:
    ``hmac$<new>|<old>@<unix time>``."""
    stored = HMAC_PREFIX + keys.hash_secret(raw)
    if previous:
        stored += f"|{previous}@{previous_until}"
    return stored


def current_hash(stored: str) -> str:
    return stored.removeprefix(HMAC_PREFIX).split("|", 1)[0]


def secret_matches(provided: str, stored: str) -> bool:
    if not stored.startswith(HMAC_PREFIX):
        return False  # anything else (a Django password hash, a plain value) is never accepted
    current, _, rotation = stored.removeprefix(HMAC_PREFIX).partition("|")
    if keys.matches(provided or "", current):
        return True
    if rotation:
        previous, _, until = rotation.partition("@")
        return int(until or 0) > time.time() and keys.matches(provided or "", previous)
    return False


# --- Cached clients ------------------------------------------------------------------------
# The token endpoint authenticates a client on every request: from the small cached row of
# tokens.auth.client_row (one cache read) rather than DOT's query of the ~50-column client
# and partner row. Access tokens of a disabled client stop at once regardless of any cache:
# bearer authentication reads the client's disabled_at from the database.

M = TypeVar("M", bound=models.Model)


def _partial(model: type[M], values: dict[str, Any]) -> M:
    """An instance with only these fields loaded (any other loads from the database on
    first access), without compiling a query or running field defaults. Never save one."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(router.db_for_read(model), names, [values[name] for name in names])


def cached_client(client_id: str) -> OAuthClient | None:
    """The client with that id, with the status and allowance of its partner (None: no
    such client)."""
    row = client_row(client_id)
    if row is None or not row["owner_active"]:  # a deactivated member's clients stop with the account
        return None
    client = _partial(OAuthClient, {name: row[name] for name in CLIENT_FIELDS})
    client.partner = _partial(
        Partner, {"id": row["partner_id"], "status": row["partner_status"], "allowed_categories": row["allowed"]}
    )
    return client


def usable_scopes(client: OAuthClient) -> frozenset[str]:
    return catalog.within_allowance(client.scopes, client.partner.allowed_categories)


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
        registered = request.client.token_endpoint_auth_method
        # token_endpoint_auth_method binds the token endpoint; introspection (RFC 7662) takes
        # either secret method from a client that has a secret.
        either = getattr(request, "any_secret_method", False) and registered in SECRET_METHODS
        if registered != method and not either:
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
            if client is None or not uses_jwt or not (client.jwks or client.jwks_uri):
                raise jwt_auth.AssertionRejected("no private_key_jwt client with that id")
            if client.jwks:
                jwt_auth.verify(assertion, client_id=client_id, jwks=client.jwks)
            else:
                self._verify_with_remote_keys(assertion, client_id, client.jwks_uri)
        except jwt_auth.AssertionRejected as exc:
            log.info("private_key_jwt refused: %s", exc)
            request.client = None
            return False
        request.client_id = client_id
        return True

    @staticmethod
    def _verify_with_remote_keys(assertion: str, client_id: str, uri: str) -> None:
        """Against the cached keys of ``jwks_uri``; once more against freshly fetched keys
        when those were a minute old or more (the client may have rotated its key)."""
        try:
            try:
                jwt_auth.verify(assertion, client_id=client_id, jwks=jwks_remote.keys(uri))
            except jwt_auth.AssertionRejected:
                if not jwks_remote.stale(uri):
                    raise
                jwt_auth.verify(assertion, client_id=client_id, jwks=jwks_remote.keys(uri, fresh=True))
        except jwks_remote.JwksUnavailable as exc:
            raise jwt_auth.AssertionRejected(f"jwks_uri: {exc}") from exc

    def _check_secret(self, provided_secret: str, stored_secret: str) -> bool:
        return secret_matches(provided_secret, stored_secret)

    def _load_application(self, client_id: str, request: Any) -> Any:
        """The cached client (tokens.oauth.cached_client) instead of DOT's full-row query;
        kept on request.client for the rest of the request, as DOT does. Client ID
        Metadata Documents (CIMD, off in our settings) are not resolved."""
        client = request.client
        if not (isinstance(client, OAuthClient) and client.client_id == client_id):
            client = cached_client(client_id) if client_id else None
        if (
            client is None
            or client.disabled_at is not None
            or not client.partner.sandbox_open
            or not client.is_usable(request)
        ):
            request.client = None
            return None
        request.client = client
        return client

    def save_bearer_token(self, token: dict[str, Any], request: Any, *args: Any, **kwargs: Any) -> Any:
        """client_credentials issues no refresh token (RFC 6749 §4.4.3): saving is a single
        INSERT, atomic by itself, so it skips DOT's transaction (two more round trips)."""
        if request.grant_type == "client_credentials" and "refresh_token" not in token:
            return self._save_bearer_token(token, request, *args, **kwargs)
        return super().save_bearer_token(token, request, *args, **kwargs)

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
        return set(scopes) <= usable_scopes(client)

    def get_default_scopes(self, client_id: str, request: Any, *args: Any, **kwargs: Any) -> list[str]:
        # No "__all__": without a scope parameter a client gets what it registered (and may use).
        client = request.client
        return [s for s in client.scopes if s in usable_scopes(client)] if client is not None else []


class CatalogScopes(BaseScopes):
    def get_all_scopes(self) -> dict[str, str]:
        return {code: s.description for code, s in catalog.SCOPES_BY_CODE.items()}

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return list(application.scopes) if application is not None else []

    def get_default_scopes(self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any) -> list[str]:
        return list(application.scopes) if application is not None else []


class TokenView(dot_views.TokenView):
    """DOT's token endpoint, minus the query it makes after every issued token to load that
    token for its ``app_authorized`` signal: only when something listens to the signal."""

    @method_decorator(sensitive_post_parameters("password", "client_secret"))
    def authorization_flow_token_response(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if app_authorized.has_listeners(self):
            return super().authorization_flow_token_response(request, *args, **kwargs)
        _url, headers, body, status = self.create_token_response(request)
        response = HttpResponse(content=body, status=status)
        for key, value in headers.items():
            response[key] = value
        return response
