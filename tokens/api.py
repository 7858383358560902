"""The /cms/* credentials API: partner-login, and create / list / revoke API tokens."""

from __future__ import annotations

from typing import Any

from allauth.account import app_settings as allauth_settings
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from partners.models import Membership
from partners.permissions import Action, require
from portal.request_context import RequestMeta, client_ip
from tokens import rules, services
from tokens.auth import REALM, BearerAuthentication, HasScopes, Principal
from tokens.models import ApiToken

LOGIN_FAILURES_ALLOWED = 5  # per email, between successful sign-ins
LOGIN_ATTEMPTS_PER_IP = 20  # per client address, every attempt counts
LOGIN_LOCKOUT_SECONDS = 300


class TokenOutSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField())
    environment = serializers.ChoiceField(choices=ApiToken.Environment.values)
    prefix = serializers.CharField(help_text="Recognisable start of the token; never the secret.")
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    last_used_at = serializers.DateTimeField(allow_null=True)


class CreatedTokenSerializer(TokenOutSerializer):
    token = serializers.CharField(help_text="The secret. Returned only in this response.")


class LoginSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False)
    otp = serializers.CharField(required=False, allow_blank=True, max_length=12)
    partner_gpid = serializers.CharField(required=False, max_length=12)


class CreateTokenSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(child=serializers.CharField(max_length=64), min_length=1, max_length=50)
    environment = serializers.ChoiceField(choices=ApiToken.Environment.values, default="sandbox")
    expires_in_days = serializers.IntegerField(required=False, allow_null=True, default=services.DEFAULT_EXPIRY_DAYS)


def _as_api_error(exc: ValidationError | PermissionDenied) -> exceptions.APIException:
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied(str(exc) or "Not allowed.")
    if hasattr(exc, "message_dict"):
        return exceptions.ValidationError(exc.message_dict)
    return exceptions.ValidationError({"non_field_errors": exc.messages})


class PartnerLogin(APIView):
    """Email + password (+ TOTP code when the account has MFA) → a 15-minute management bearer."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get_authenticate_header(self, request: Request) -> str:
        return f'Bearer realm="{REALM}"'  # failed sign-ins are 401, as for bad tokens

    @extend_schema(
        request=LoginSerializer,
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
        email = body.validated_data["email"].lower()
        # Count the attempt before checking the password, atomically, so parallel guesses
        # cannot slip past the limit. Per email: failures since the last success. Per IP:
        # every attempt, successful or not (an attacker's own logins must not reset it).
        email_key = f"partner-login:email:{email}"
        ip_key = f"partner-login:ip:{client_ip(request._request)}"
        if _bump(email_key) > LOGIN_FAILURES_ALLOWED or _bump(ip_key) > LOGIN_ATTEMPTS_PER_IP:
            raise exceptions.Throttled(LOGIN_LOCKOUT_SECONDS, "Too many sign-in attempts; wait and try again.")
        user = authenticate(request._request, email=email, password=body.validated_data["password"])
        if user is None or not user.is_active:
            raise exceptions.AuthenticationFailed("Wrong email or password.")
        if allauth_settings.EMAIL_VERIFICATION == allauth_settings.EmailVerificationMethod.MANDATORY and not (
            EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()
        ):
            raise exceptions.PermissionDenied(
                "Verify your email address first (use the link we emailed you).", code="email_not_verified"
            )
        totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
        if totp is not None:
            code = body.validated_data.get("otp", "")
            if not code:
                raise exceptions.AuthenticationFailed(
                    "This account uses two-factor authentication: send “otp”.", code="mfa_required"
                )
            if not TOTP(totp).validate_code(code):
                raise exceptions.AuthenticationFailed("Wrong two-factor code.")
        memberships = Membership.objects.filter(user=user).select_related("partner").order_by("partner__gpid")
        gpid = body.validated_data.get("partner_gpid")
        membership = next((m for m in memberships if not gpid or m.partner.gpid == gpid), None)
        if membership is None:
            raise exceptions.PermissionDenied("This account is not a member of that partner organization.")
        cache.delete(email_key)
        issued = services.issue_management_token(membership=membership, meta=RequestMeta.of(request._request))
        return Response(
            {
                "access_token": issued.secret,
                "token_type": "Bearer",
                "expires_in": int(services.MANAGEMENT_TTL.total_seconds()),
                "partner_gpid": membership.partner.gpid,
                "scope": " ".join(issued.token.scopes),
            }
        )


def _bump(key: str) -> int:
    cache.add(key, 0, LOGIN_LOCKOUT_SECONDS)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, LOGIN_LOCKOUT_SECONDS)
        return 1


class PartnerAPIView(GenericAPIView[Any]):
    authentication_classes = (BearerAuthentication,)
    permission_classes = (HasScopes,)
    serializer_class = TokenOutSerializer

    @property
    def principal(self) -> Principal:
        assert isinstance(self.request.auth, Principal)  # noqa: S101 - HasScopes guarantees it
        return self.request.auth

    def require_manager(self, action: Action = Action.MANAGE_CREDENTIALS) -> None:
        """The person behind the credential must still be allowed to do ``action``
        (roles change after a token is issued)."""
        try:
            require(
                partner=self.principal.partner,
                user=self.principal.user,
                action=action,
                message=f"The member behind this credential may no longer: {action.label.lower()}.",
            )
        except PermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc


class TokenList(PartnerAPIView):
    """Active API tokens of the caller's partner (never secrets), and creating one."""

    required_scopes = {"GET": ["cms.partner.read"], "POST": ["cms.partner.write"]}

    def get(self, request: Request) -> Response:
        tokens = ApiToken.objects.api_keys().active().filter(partner=self.principal.partner).order_by("-created_at")
        page = self.paginate_queryset(tokens)
        return self.get_paginated_response([t.as_json() for t in page or []])

    @extend_schema(request=CreateTokenSerializer, responses={201: CreatedTokenSerializer})
    def post(self, request: Request) -> Response:
        body = CreateTokenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        self.require_manager()
        try:  # an impossible scope gets the specific 400 first
            rules.validate_api_token_scopes(self.principal.partner, body.validated_data["scopes"])
        except ValidationError as exc:
            raise _as_api_error(exc) from exc
        if self.principal.kind != "management":
            # A credential cannot mint a more powerful one: only scopes it holds itself.
            beyond = [s for s in body.validated_data["scopes"] if s not in self.principal.scopes]
            if beyond:
                raise exceptions.PermissionDenied(
                    f"This credential cannot grant scopes it does not hold: {', '.join(beyond)}. "
                    "Use a management token from /cms/partner-login, or the dashboard.",
                    code="scope_escalation",
                )
        try:
            issued = services.create_api_token(
                partner=self.principal.partner,
                by=self.principal.user,
                meta=RequestMeta.of(request._request),
                **body.validated_data,
            )
        except (ValidationError, PermissionDenied) as exc:
            raise _as_api_error(exc) from exc
        return Response({**issued.token.as_json(), "token": issued.secret}, status=status.HTTP_201_CREATED)


class TokenDetail(PartnerAPIView):
    required_scopes = {"DELETE": ["cms.partner.write"]}

    @extend_schema(responses={204: None})
    def delete(self, request: Request, token_id: str) -> Response:
        self.require_manager()
        token = get_object_or_404(
            ApiToken.objects.api_keys().active().filter(partner=self.principal.partner), public_id=token_id
        )
        services.revoke_api_token(
            token=token,
            by=self.principal.user,
            reason=ApiToken.RevokeReason.USER_REQUEST,
            meta=RequestMeta.of(request._request),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
