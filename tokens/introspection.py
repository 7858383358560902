"""RFC 7662 token introspection, for resource-server credentials only.

django-oauth-toolkit's own endpoint lets any authenticated client introspect; here the
caller must be a client that staff marked as a resource server (an API gateway),
authenticated like at the token endpoint. Any other caller gets 401 ``invalid_client``.
The answer is what the bearer layer would allow for that token right now (the same
:func:`tokens.auth.resolve`): revoked, expired, disabled or deactivated means
``{"active": false}``, and the scopes are those still inside the partner's allowance.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from scopes import catalog
from tokens.auth import InvalidToken, resolve
from tokens.client_auth import authenticate_client

INACTIVE: dict[str, object] = {"active": False}


def describe(raw: str) -> dict[str, object]:
    try:
        principal = resolve(raw)
    except InvalidToken:
        return INACTIVE
    return {
        "active": True,
        "scope": " ".join(catalog.ordered(principal.scopes)),
        "client_id": principal.client_id or principal.credential_id,
        "token_type": "Bearer",
        "iat": principal.issued_at,
        "exp": principal.expires_at,
        "sub": principal.subject or principal.partner.gpid,
    }


@method_decorator([csrf_exempt, never_cache], name="dispatch")
class Introspect(View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> JsonResponse:
        caller = authenticate_client(request, any_secret_method=True)
        if caller is None or not caller.is_resource_server:
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
        return JsonResponse(describe(token))
