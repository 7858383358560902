"""The portal's URLs plus bench-only views, for bench/token_endpoint.py (never deployed).

/bench/floor                 one PostgreSQL INSERT (an audit row), 200 JSON: the floor
/bench/oauth-vanilla/token   django-oauth-toolkit's TokenView with DOT's stock validator
                             (client secrets checked with Django's password hasher)
/bench/protected             BearerAuthentication + HasScopes (no scope needed), returns {}
/bench/open                  the same view without authentication
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.views import TokenView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import services as audit
from lib.api import HasScopes
from portal import urls as portal_urls
from tokens.auth import BearerAuthentication


@csrf_exempt
def floor(request: HttpRequest) -> JsonResponse:
    audit.record(action="bench.floor")
    return JsonResponse({"ok": True})


class VanillaTokenView(TokenView):
    """DOT's token endpoint as shipped by DOT: the stock OAuth2Validator, for this view only."""

    validator_class = OAuth2Validator

    @classmethod
    def get_oauthlib_core(cls) -> Any:
        # OAuthLibMixin caches the core on the class but looks it up with hasattr(), which
        # would find the one TokenView cached for /oauth/token (built with the portal's
        # validator) once that endpoint has been used. Keep a core of this class's own.
        if "_oauthlib_core" not in cls.__dict__:
            cls._oauthlib_core = cls.get_oauthlib_backend_class()(cls.get_server())
        return cls._oauthlib_core


class Protected(APIView):
    authentication_classes = (BearerAuthentication,)
    permission_classes = (HasScopes,)

    def get(self, request: Request) -> Response:
        return Response({})


class Open(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get(self, request: Request) -> Response:
        return Response({})


urlpatterns = [
    path("bench/floor", floor),
    path("bench/oauth-vanilla/token", VanillaTokenView.as_view()),
    path("bench/protected", Protected.as_view()),
    path("bench/open", Open.as_view()),
    *portal_urls.urlpatterns,
]

handler400 = portal_urls.handler400
handler403 = portal_urls.handler403
handler404 = portal_urls.handler404
handler500 = portal_urls.handler500
