"""Public, read-only JSON of the portal's catalogs."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scopes import catalog as scopes

_SCOPE_FIELDS: dict[str, serializers.Field] = {
    "code": serializers.CharField(),
    "category": serializers.CharField(),
    "category_name": serializers.CharField(),
    "description": serializers.CharField(),
    "endpoints": serializers.ListField(child=serializers.CharField()),
    "auth_methods": serializers.ListField(child=serializers.CharField()),
    "products": serializers.ListField(child=serializers.CharField()),
    "smart": serializers.BooleanField(),
}


class ScopeList(APIView):
    """The scope catalog: every OAuth 2.0, SMART on FHIR and API key scope."""

    permission_classes = (AllowAny,)

    @extend_schema(
        operation_id="scopes_list",
        parameters=[
            OpenApiParameter("q", str, description="Text to find in code, description, endpoints or products."),
            OpenApiParameter("category", str, description="Category slug, e.g. fhir-platform."),
        ],
        responses={
            200: inline_serializer(
                "ScopeCatalog",
                {"count": serializers.IntegerField(), "results": inline_serializer("Scope", _SCOPE_FIELDS, many=True)},
            )
        },
    )
    def get(self, request: Request) -> Response:
        found = scopes.search(request.query_params.get("q", ""), request.query_params.get("category", ""))
        return Response({"count": len(found), "results": [scopes.as_json(s) for s in found]})
