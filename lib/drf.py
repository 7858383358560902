"""Pagination and rate-limit classes named in ``REST_FRAMEWORK`` settings.

Kept apart from :mod:`lib.api` because DRF imports these while it is still
defining ``APIView``: this module must not import ``rest_framework.views``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from lib.request_context import client_ip

if TYPE_CHECKING:
    from rest_framework.views import APIView


class SafeJSONParser(JSONParser):
    """JSON, refusing absurd nesting with a 400 instead of a RecursionError (a 500)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - the document is nested too deeply.") from exc


class Pagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 200


class _CredentialThrottle(SimpleRateThrottle):
    """Per credential when the request carries one, else per client address. Off when
    ``RATE_LIMITS_ENABLED`` is false (capacity benchmarks only)."""

    def allow_request(self, request: Request, view: APIView) -> bool:
        if not settings.RATE_LIMITS_ENABLED:
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: APIView) -> str:
        credential = getattr(request.auth, "rate_limit_key", None)
        ident = f"cred:{credential}" if credential else f"ip:{client_ip(request._request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class BurstRateThrottle(_CredentialThrottle):
    scope = "burst"


class SustainedRateThrottle(_CredentialThrottle):
    scope = "sustained"
