"""Client authentication, one path for every endpoint a client calls with its own
credentials: the token endpoint (DOT calls the validator itself), introspection and the
RFC 7592 operations' fallback all end in :meth:`tokens.oauth.Validator.authenticate_client`
(client_secret_basic, client_secret_post or private_key_jwt, each client only by the
method it registered; disabled clients, closed sandboxes and deactivated owners refused)."""

from __future__ import annotations

from django.http import HttpRequest
from oauth2_provider.oauth2_backends import get_oauthlib_core
from oauthlib.common import Request as OAuthRequest

from tokens.models import OAuthClient
from tokens.oauth import Validator


def authenticate_client(request: HttpRequest, *, any_secret_method: bool = False) -> OAuthClient | None:
    """The client this request authenticates as, or None. ``any_secret_method``: a client
    with a secret may send it by Basic or in the body, whichever it registered for the
    token endpoint (the introspection endpoint's rule)."""
    uri, method, body, headers = get_oauthlib_core()._extract_params(request)
    oauth_request = OAuthRequest(uri, method, body, headers)
    oauth_request.any_secret_method = any_secret_method
    if not Validator().authenticate_client(oauth_request):
        return None
    client: OAuthClient | None = oauth_request.client
    return client
