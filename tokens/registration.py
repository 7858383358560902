"""RFC 7591 dynamic client registration and RFC 7592 client management at /cms/oauth/register."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import get_authorization_header
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.request_context import RequestMeta
from tokens import secrets, services
from tokens.api import PartnerAPIView
from tokens.auth import REALM
from tokens.models import OAuthClient

SUPPORTED_GRANTS = ["client_credentials"]
SUPPORTED_AUTH = [OAuthClient.AuthMethod.BASIC, OAuthClient.AuthMethod.POST, OAuthClient.AuthMethod.PRIVATE_KEY_JWT]


def metadata_error(description: str, code: str = "invalid_client_metadata", status_code: int = 400) -> Response:
    """RFC 7591 §3.2.2 error, with the portal's {"detail", "code"} alongside."""
    return Response(
        {"error": code, "error_description": description, "detail": description, "code": code}, status=status_code
    )


def client_metadata(client: OAuthClient, request: Request) -> dict[str, Any]:
    return {
        "client_id": client.client_id,
        "client_id_issued_at": int(client.created.timestamp()),
        "client_secret_expires_at": 0,
        "client_name": client.name,
        "grant_types": SUPPORTED_GRANTS,
        "token_endpoint_auth_method": client.token_endpoint_auth_method,
        "scope": " ".join(client.scopes),
        "registration_client_uri": f"{settings.SITE_URL}/cms/oauth/register/{client.client_id}",
        **({"jwks_uri": client.jwks_uri} if client.jwks_uri else {}),
    }


def _parse(body: Any, *, partial_name: str | None = None) -> tuple[str, list[str], str] | Response:
    if not isinstance(body, dict):
        return metadata_error("The request body must be a JSON object of client metadata.")
    name = body.get("client_name", partial_name)
    if not isinstance(name, str) or not name.strip():
        return metadata_error("client_name is required: a name for this client, e.g. “nightly claims export”.")
    grants = body.get("grant_types", SUPPORTED_GRANTS)
    if not isinstance(grants, list) or set(grants) - set(SUPPORTED_GRANTS) or not grants:
        return metadata_error(f"grant_types must be {SUPPORTED_GRANTS}; authorization_code clients are SMART apps.")
    if body.get("redirect_uris"):
        return metadata_error("redirect_uris are not used by client_credentials clients.", "invalid_redirect_uri")
    method = body.get("token_endpoint_auth_method", OAuthClient.AuthMethod.BASIC)
    if method not in SUPPORTED_AUTH:
        return metadata_error(f"token_endpoint_auth_method must be one of {', '.join(SUPPORTED_AUTH)}.")
    if "jwks_uri" in body and not isinstance(body["jwks_uri"], str):
        return metadata_error("jwks_uri must be a URL string.")
    scope = body.get("scope", "")
    if not isinstance(scope, str) or not scope.split():
        return metadata_error("scope is required: space-separated scope codes, e.g. “cms.fhir.r4.read”.")
    return name, scope.split(), method


def _scope_error(exc: ValidationError) -> Response:
    messages = [m for ms in exc.message_dict.values() for m in ms] if hasattr(exc, "message_dict") else exc.messages
    return metadata_error(" ".join(messages), "invalid_client_metadata")


_METADATA = inline_serializer(
    "ClientMetadata",
    {
        "client_name": serializers.CharField(),
        "scope": serializers.CharField(help_text="Space-separated scope codes."),
        "grant_types": serializers.ListField(child=serializers.CharField(), required=False),
        "token_endpoint_auth_method": serializers.ChoiceField(choices=SUPPORTED_AUTH, required=False),
        "jwks": serializers.JSONField(required=False, help_text="private_key_jwt: the public JWK Set, inline."),
        "jwks_uri": serializers.URLField(
            required=False, help_text="private_key_jwt: an https URL of the public JWK Set (instead of jwks)."
        ),
    },
)
_CONFIGURATION = inline_serializer(
    "ClientConfiguration",
    {
        "client_id": serializers.CharField(),
        "client_id_issued_at": serializers.IntegerField(),
        "client_secret_expires_at": serializers.IntegerField(),
        "client_name": serializers.CharField(),
        "grant_types": serializers.ListField(child=serializers.CharField()),
        "token_endpoint_auth_method": serializers.CharField(),
        "scope": serializers.CharField(),
        "registration_client_uri": serializers.URLField(),
    },
)
_INFORMATION = inline_serializer(
    "ClientInformation",
    {
        "client_id": serializers.CharField(),
        "client_secret": serializers.CharField(help_text="Returned only in this response."),
        "registration_access_token": serializers.CharField(help_text="Returned only in this response."),
        "client_id_issued_at": serializers.IntegerField(),
        "client_secret_expires_at": serializers.IntegerField(),
        "scope": serializers.CharField(),
        "token_endpoint_auth_method": serializers.CharField(),
        "registration_client_uri": serializers.URLField(),
    },
)


class Register(PartnerAPIView):
    """RFC 7591: register a client_credentials client. Bearer with cms.partner.write."""

    required_scopes = {"POST": ["cms.partner.write"]}

    @extend_schema(request=_METADATA, responses={201: _INFORMATION})
    def post(self, request: Request) -> Response:
        self.require_manager()
        parsed = _parse(request.data)
        if isinstance(parsed, Response):
            return parsed
        name, scopes, method = parsed
        metadata: dict[str, Any] = request.data  # type: ignore[assignment]  # _parse checked: an object
        if self.principal.kind != "management" and (beyond := [s for s in scopes if s not in self.principal.scopes]):
            return metadata_error(
                f"This credential cannot grant scopes it does not hold: {', '.join(beyond)}.",
                "invalid_client_metadata",
                status.HTTP_403_FORBIDDEN,
            )
        try:
            issued = services.create_oauth_client(
                partner=self.principal.partner,
                name=name,
                scopes=scopes,
                auth_method=method,
                by=self.principal.user,
                meta=RequestMeta.of(request._request),
                with_registration_token=True,
                jwks=metadata.get("jwks"),
                jwks_uri=metadata.get("jwks_uri") or "",
            )
        except PermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            return _scope_error(exc)
        return Response(
            {
                **client_metadata(issued.client, request),
                **({"client_secret": issued.secret} if issued.secret else {}),  # none for private_key_jwt
                "registration_access_token": issued.registration_token,
            },
            status=status.HTTP_201_CREATED,
        )


class ClientConfiguration(APIView):
    """RFC 7592: read, update or delete a registered client with its registration access token."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get_authenticate_header(self, request: Request) -> str:
        return f'Bearer realm="{REALM}", error="invalid_token"'

    def _client(self, request: Request, client_id: str) -> OAuthClient:
        header = get_authorization_header(request).split()
        token = (
            header[1].decode("ascii", errors="replace") if len(header) == 2 and header[0].lower() == b"bearer" else ""
        )
        client = OAuthClient.objects.active().select_related("partner").filter(client_id=client_id).first()
        # Same answer for an unknown client and a wrong token: nothing to learn by probing.
        if (
            client is None
            or not token
            or not client.registration_token_hash
            or not secrets.matches(token, client.registration_token_hash)
        ):
            raise exceptions.AuthenticationFailed("Send this client's registration access token as the bearer.")
        return client

    @extend_schema(request=None, responses={200: _CONFIGURATION})
    def get(self, request: Request, client_id: str) -> Response:
        return Response(client_metadata(self._client(request, client_id), request))

    @extend_schema(request=_METADATA, responses={200: _CONFIGURATION})
    def put(self, request: Request, client_id: str) -> Response:
        client = self._client(request, client_id)
        if isinstance(request.data, dict) and request.data.get("client_id", client_id) != client_id:
            return metadata_error("client_id in the body must match the URL.")
        parsed = _parse(request.data, partial_name=client.name)
        if isinstance(parsed, Response):
            return parsed
        name, scopes, method = parsed
        if method != client.token_endpoint_auth_method:
            return metadata_error("token_endpoint_auth_method cannot change; register a new client instead.")
        try:
            client = services.update_oauth_client(
                client=client, name=name, scopes=scopes, by=None, meta=RequestMeta.of(request._request)
            )
        except ValidationError as exc:
            return _scope_error(exc)
        return Response(client_metadata(client, request))

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, client_id: str) -> Response:
        client = self._client(request, client_id)
        services.disable_oauth_client(client=client, by=None, meta=RequestMeta.of(request._request))
        return Response(status=status.HTTP_204_NO_CONTENT)
