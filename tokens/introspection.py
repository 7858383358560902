"""RFC 7662 token introspection, for resource-server credentials only.

django-oauth-toolkit's own endpoint lets any authenticated client introspect; here the
caller must be a client that staff marked as a resource server (an API gateway). Any
other caller gets 401 ``invalid_client``, and inactive tokens are ``{"active": false}``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from urllib.parse import unquote_plus

from django.http import HttpRequest, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.models import AccessToken

from tokens import secrets
from tokens.models import ApiToken, OAuthClient
from tokens.oauth import secret_matches

INACTIVE: dict[str, object] = {"active": False}


def _caller(request: HttpRequest) -> OAuthClient | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        client_id, secret = unquote_plus(client_id), unquote_plus(secret)
    else:
        client_id, secret = request.POST.get("client_id", ""), request.POST.get("client_secret", "")
    client = OAuthClient.objects.active().filter(client_id=client_id, is_resource_server=True).first()
    if client is None or not secret or not secret_matches(secret, client.client_secret):
        return None
    return client


def _epoch(value: object) -> int | None:
    return int(value.timestamp()) if hasattr(value, "timestamp") else None


def _describe(raw: str) -> dict[str, object]:
    parsed = secrets.parse(raw)
    if parsed is not None:
        token = ApiToken.objects.select_related("partner").filter(lookup=parsed.lookup).first()
        if token is None or not token.is_active or not secrets.matches(parsed.full, token.secret_hash):
            return INACTIVE
        return {
            "active": True,
            "scope": " ".join(token.scopes),
            "client_id": token.public_id,
            "token_type": "Bearer",
            "iat": _epoch(token.created_at),
            "exp": _epoch(token.expires_at),
            "sub": token.partner.gpid,
        }
    access = (
        AccessToken.objects.select_related("application__partner")
        .filter(token_checksum=hashlib.sha256(raw.encode()).hexdigest())
        .first()
    )
    if access is None or access.is_expired() or access.application is None or access.application.disabled_at:
        return INACTIVE
    body: dict[str, object] = {
        "active": True,
        "scope": access.scope,
        "client_id": access.application.client_id,
        "token_type": "Bearer",
        "iat": _epoch(access.created),
        "exp": _epoch(access.expires),
        "sub": str(access.user_id) if access.user_id else access.application.partner.gpid,
    }
    return body


@method_decorator([csrf_exempt, never_cache], name="dispatch")
class Introspect(View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> JsonResponse:
        if _caller(request) is None:
            response = JsonResponse(
                {"error": "invalid_client", "error_description": "Only resource-server credentials may introspect."},
                status=401,
            )
            response["WWW-Authenticate"] = 'Basic realm="CMS Health Tech Ecosystem"'
            return response
        token = request.POST.get("token", "")
        if not token:
            return JsonResponse(
                {"error": "invalid_request", "error_description": "Send the token to inspect."}, status=400
            )
        return JsonResponse(_describe(token))
