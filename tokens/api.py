"""The /cms/* credentials API: partner-login, and create / list / revoke API tokens."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lib.api import ScopedAPIView
from lib.environment import Environment
from lib.request_context import RequestMeta
from tokens import login, services
from tokens.auth import REALM, Principal
from tokens.models import ApiToken


class TokenOutSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField())
    environment = serializers.ChoiceField(choices=Environment.values)
    prefix = serializers.CharField(help_text="Recognisable start of the token; never the secret.")
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    last_used_at = serializers.DateTimeField(allow_null=True)


class CreatedTokenSerializer(TokenOutSerializer):
    token = serializers.CharField(help_text="The secret. Returned only in this response.")


class LoginSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, max_length=4096)
    otp = serializers.CharField(required=False, allow_blank=True, max_length=12)
    partner_gpid = serializers.CharField(required=False, max_length=12)


class CreateTokenSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(child=serializers.CharField(max_length=64), min_length=1, max_length=50)
    environment = serializers.ChoiceField(choices=Environment.values, default="sandbox")
    expires_in_days = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=services.DEFAULT_EXPIRY_DAYS,
        min_value=1,
        max_value=services.MAX_EXPIRY_DAYS,
        help_text="Days until the token expires; null: it never does.",
    )


class CredentialAPIView(ScopedAPIView):
    """An endpoint for partners' credentials. The services check what the member behind
    the credential may do (roles change after a token is issued)."""

    serializer_class: type[serializers.Serializer] = TokenOutSerializer

    @property
    def principal(self) -> Principal:
        credential = self.credential
        assert isinstance(credential, Principal)  # noqa: S101 - settings.API_CREDENTIAL_AUTHENTICATION
        return credential

    def meta(self) -> RequestMeta:
        return RequestMeta.of(self.request._request)


class PartnerLogin(APIView):
    """Email + password (+ TOTP code when the account has MFA) → a 15-minute management bearer."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get_authenticate_header(self, request: Request) -> str:
        return f'Bearer realm="{REALM}"'  # failed sign-ins are 401, as for bad tokens

    @extend_schema(
        request=LoginSerializer,
        examples=[
            OpenApiExample(
                "Demo partner owner",
                summary="The owner of the demo partner that `make run` creates",
                value={"email": "alice@acme-health.example", "password": "alice-demo-Passw0rd!"},
                request_only=True,
            )
        ],
        responses={
            401: OpenApiResponse(description="Wrong email, password or two-factor code (uniform answer)."),
            403: OpenApiResponse(description="Email not verified, or not a member of that partner."),
            429: OpenApiResponse(description="Too many attempts for this email or from this address."),
            200: inline_serializer(
                "PartnerLoginResponse",
                {
                    "access_token": serializers.CharField(),
                    "token_type": serializers.CharField(),
                    "expires_in": serializers.IntegerField(),
                    "partner_gpid": serializers.CharField(),
                    "scope": serializers.CharField(),
                },
            ),
        },
    )
    def post(self, request: Request) -> Response:
        body = LoginSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        issued = login.management_login(request=request._request, **body.validated_data)
        return Response(
            {
                "access_token": issued.secret,
                "token_type": "Bearer",
                "expires_in": int(services.MANAGEMENT_TTL.total_seconds()),
                "partner_gpid": issued.token.partner.gpid,
                "scope": " ".join(issued.token.scopes),
            }
        )


class TokenList(CredentialAPIView):
    """Active API tokens of the caller's partner (never secrets), and creating one."""

    required_scopes = {"GET": ["cms.partner.read"], "POST": ["cms.partner.write"]}

    @extend_schema(responses={200: TokenOutSerializer(many=True)})
    def get(self, request: Request) -> Response:
        tokens = ApiToken.objects.api_keys().active().filter(partner=self.principal.partner).order_by("-created_at")
        page = self.paginate_queryset(tokens)
        return self.get_paginated_response([t.as_json() for t in page or []])

    @extend_schema(
        request=CreateTokenSerializer,
        examples=[
            OpenApiExample(
                "Sandbox token",
                value={"name": "claims-sync worker", "scopes": ["cms.partner.read"], "expires_in_days": 30},
                request_only=True,
            )
        ],
        responses={201: CreatedTokenSerializer},
    )
    def post(self, request: Request) -> Response:
        body = CreateTokenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        issued = services.create_api_token(
            partner=self.principal.partner,
            by=self.principal.user,
            meta=self.meta(),
            ceiling=self.principal.delegable,
            **body.validated_data,
        )
        return Response({**issued.token.as_json(), "token": issued.secret}, status=status.HTTP_201_CREATED)


class TokenDetail(CredentialAPIView):
    required_scopes = {"DELETE": ["cms.partner.write"]}

    @extend_schema(responses={204: None})
    def delete(self, request: Request, token_id: str) -> Response:
        token = get_object_or_404(
            ApiToken.objects.api_keys().active().filter(partner=self.principal.partner), public_id=token_id
        )
        services.revoke_api_token(
            token=token, by=self.principal.user, reason=ApiToken.RevokeReason.USER_REQUEST, meta=self.meta()
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
