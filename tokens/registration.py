"""RFC 7591 dynamic client registration and RFC 7592 client management at /cms/oauth/register.

Client metadata is read by a DRF serializer, so any JSON a client sends gets an RFC 7591
``invalid_client_metadata`` answer naming the field, never a 500. A credential registers
clients with at most the scopes it holds; an RFC 7592 update, authorized by the
registration access token alone, may only remove scopes.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lib.api import field_errors
from lib.request_context import RequestMeta
from tokens import keys, services
from tokens.api import CredentialAPIView
from tokens.auth import REALM
from tokens.models import OAuthClient

SUPPORTED_GRANTS = ["client_credentials"]
SUPPORTED_AUTH = [OAuthClient.AuthMethod.BASIC, OAuthClient.AuthMethod.POST, OAuthClient.AuthMethod.PRIVATE_KEY_JWT]
METADATA_ERROR = "invalid_client_metadata"


def metadata_error(
    description: str, code: str = METADATA_ERROR, status_code: int = 400, errors: dict[str, Any] | None = None
) -> Response:
    """RFC 7591 §3.2.2 error, with the portal's {"detail", "code"(, "errors")} alongside."""
    body: dict[str, Any] = {"error": code, "error_description": description, "detail": description, "code": code}
    if errors:
        body["errors"] = errors
    return Response(body, status=status_code)


def _refusal(exc: ValidationError | PermissionDenied | services.ScopeEscalation) -> Response:
    if isinstance(exc, ValidationError):
        errors = field_errors(exc.message_dict) if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return metadata_error(" ".join(m for ms in errors.values() for m in ms), errors=errors)
    return metadata_error(str(exc), status_code=status.HTTP_403_FORBIDDEN)


_NAME_NEEDED = "client_name is required: a name for this client, e.g. “nightly claims export”."
_SCOPE_NEEDED = "scope is required: space-separated scope codes, e.g. “cms.fhir.r4.read”."
_GRANTS = (
    f"grant_types must be {SUPPORTED_GRANTS}; authorization_code clients are SMART apps (registered on the dashboard)."
)
_METHODS = f"token_endpoint_auth_method must be one of {', '.join(SUPPORTED_AUTH)}."


JWK_SET = {
    "type": "object",
    "required": ["keys"],
    "properties": {
        "keys": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["kty"],
                "properties": {"kty": {"type": "string", "enum": ["RSA", "EC"]}},
                "description": "A public JWK: RSA of 2048 bits or more, or EC P-384.",
            },
        }
    },
}


@extend_schema_field({"oneOf": [JWK_SET, {"type": "string", "description": "The JWK Set as JSON text."}]})
class JwksField(serializers.JSONField):
    """Any JSON here; tokens.jwt_auth.validate_jwks says what is wrong with it."""


class ClientMetadataSerializer(serializers.Serializer):
    client_name = serializers.CharField(
        max_length=255,
        help_text="A name for this client, e.g. “nightly claims export”.",
        error_messages={"required": _NAME_NEEDED, "blank": _NAME_NEEDED, "null": _NAME_NEEDED},
    )
    scope = serializers.CharField(
        max_length=4000,
        help_text="Space-separated scope codes, e.g. “cms.fhir.r4.read”.",
        error_messages={"required": _SCOPE_NEEDED, "blank": _SCOPE_NEEDED, "null": _SCOPE_NEEDED},
    )
    grant_types = serializers.ListField(
        child=serializers.ChoiceField(choices=SUPPORTED_GRANTS, error_messages={"invalid_choice": _GRANTS}),
        required=False,
        allow_empty=False,
        max_length=5,
        help_text="Only client_credentials: authorization_code clients are SMART apps.",
        error_messages={"empty": _GRANTS, "not_a_list": _GRANTS},
    )
    token_endpoint_auth_method = serializers.ChoiceField(
        choices=SUPPORTED_AUTH, required=False, error_messages={"invalid_choice": _METHODS}
    )
    jwks = JwksField(required=False, help_text="private_key_jwt: the public JWK Set, inline.")
    jwks_uri = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="private_key_jwt: an https URL of the public JWK Set (instead of jwks).",
    )
    redirect_uris = serializers.ListField(
        child=serializers.CharField(max_length=2000),
        required=False,
        max_length=0,
        help_text="Not used by client_credentials clients: leave out or send [].",
        error_messages={"max_length": "redirect_uris are not used by client_credentials clients."},
    )
    client_id = serializers.CharField(required=False, max_length=100, help_text="RFC 7592 updates: the client's id.")

    def validate_scope(self, value: str) -> str:
        if not value.split():
            raise serializers.ValidationError(_SCOPE_NEEDED)
        return value


def _read(data: Any, *, partial_name: str = "") -> dict[str, Any] | Response:
    """The validated metadata, or the RFC 7591 error saying which field is wrong."""
    if not isinstance(data, dict):
        return metadata_error("The request body must be a JSON object of client metadata.")
    if partial_name and "client_name" not in data:
        data = {**data, "client_name": partial_name}
    body = ClientMetadataSerializer(data=data)
    if not body.is_valid():
        errors = field_errors(body.errors)
        code = "invalid_redirect_uri" if "redirect_uris" in errors else METADATA_ERROR
        field, messages = next(iter(errors.items()))
        description = messages[0] if messages[0].startswith(field) else f"{field}: {messages[0]}"
        return metadata_error(description.replace(f"{field}: item 0: ", ""), code=code, errors=errors)
    metadata: dict[str, Any] = body.validated_data
    return metadata


def client_metadata(client: OAuthClient) -> dict[str, Any]:
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


_CONFIGURATION_FIELDS: dict[str, serializers.Field] = {
    "client_id": serializers.CharField(),
    "client_id_issued_at": serializers.IntegerField(),
    "client_secret_expires_at": serializers.IntegerField(),
    "client_name": serializers.CharField(),
    "grant_types": serializers.ListField(child=serializers.CharField()),
    "token_endpoint_auth_method": serializers.CharField(),
    "scope": serializers.CharField(),
    "registration_client_uri": serializers.URLField(),
    "jwks_uri": serializers.CharField(required=False),
}
_CONFIGURATION = inline_serializer("ClientConfiguration", _CONFIGURATION_FIELDS)
_INFORMATION = inline_serializer(
    "ClientInformation",
    {
        **_CONFIGURATION_FIELDS,
        "client_secret": serializers.CharField(
            required=False, help_text="Returned only in this response; none for private_key_jwt."
        ),
        "registration_access_token": serializers.CharField(help_text="Returned only in this response."),
    },
)
_REGISTRATION_TOKEN_REFUSED = OpenApiResponse(
    description="Missing or wrong registration access token (the same answer for an unknown client)."
)
_REGISTRATION_EXAMPLE = OpenApiExample(
    "client_credentials client",
    value={
        "client_name": "nightly claims export",
        "scope": "cms.fhir.r4.read",
        "grant_types": ["client_credentials"],
        "token_endpoint_auth_method": "client_secret_basic",
    },
    request_only=True,
)
_UPDATE_EXAMPLE = OpenApiExample(
    "Rename",
    value={"client_name": "nightly claims export v2", "scope": "cms.fhir.r4.read"},
    request_only=True,
)
_SCOPES_ADDED = OpenApiResponse(
    description="The update adds scopes: an update can only remove them; register a new client for more."
)


class Register(CredentialAPIView):
    """RFC 7591: register a client_credentials client. Bearer with cms.partner.write."""

    required_scopes = {"POST": ["cms.partner.write"]}
    serializer_class = ClientMetadataSerializer

    @extend_schema(request=ClientMetadataSerializer, examples=[_REGISTRATION_EXAMPLE], responses={201: _INFORMATION})
    def post(self, request: Request) -> Response:
        metadata = _read(request.data)
        if isinstance(metadata, Response):
            return metadata
        try:
            issued = services.create_oauth_client(
                partner=self.principal.partner,
                name=metadata["client_name"],
                scopes=metadata["scope"].split(),
                auth_method=metadata.get("token_endpoint_auth_method", OAuthClient.AuthMethod.BASIC),
                by=self.principal.user,
                meta=self.meta(),
                ceiling=self.principal.delegable,
                with_registration_token=True,
                jwks=metadata.get("jwks"),
                jwks_uri=metadata.get("jwks_uri") or "",
            )
        except (ValidationError, PermissionDenied, services.ScopeEscalation) as exc:
            return _refusal(exc)
        return Response(
            {
                **client_metadata(issued.client),
                **({"client_secret": issued.secret} if issued.secret else {}),  # none for private_key_jwt
                "registration_access_token": issued.registration_token,
            },
            status=status.HTTP_201_CREATED,
        )


class RegistrationTokenAuthentication(BaseAuthentication):
    """RFC 7592: ``Authorization: Bearer <registration access token>`` of the client named in
    the URL, which becomes ``request.auth``. An unknown client and a wrong token get the same
    401: nothing to learn by probing."""

    def authenticate(self, request: Request) -> tuple[AnonymousUser, OAuthClient]:
        client_id = str((request.parser_context or {}).get("kwargs", {}).get("client_id", ""))
        header = get_authorization_header(request).split()
        token = (
            header[1].decode("ascii", errors="replace") if len(header) == 2 and header[0].lower() == b"bearer" else ""
        )
        client = OAuthClient.objects.active().select_related("partner").filter(client_id=client_id).first()
        if (
            client is None
            or not token
            or not client.registration_token_hash
            or not keys.matches(token, client.registration_token_hash)
        ):
            raise exceptions.AuthenticationFailed("Send this client's registration access token as the bearer.")
        return AnonymousUser(), client

    def authenticate_header(self, request: Request) -> str:
        return f'Bearer realm="{REALM}", error="invalid_token"'


class HoldsRegistrationToken(BasePermission):
    """Fail closed: only a request RegistrationTokenAuthentication let through."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, OAuthClient)


class ClientConfiguration(APIView):
    """RFC 7592: read, update or delete a registered client with its registration access token."""

    authentication_classes = (RegistrationTokenAuthentication,)
    permission_classes = (HoldsRegistrationToken,)
    serializer_class = ClientMetadataSerializer

    @property
    def client(self) -> OAuthClient:
        client = self.request.auth
        assert isinstance(client, OAuthClient)  # noqa: S101 - RegistrationTokenAuthentication set it
        return client

    @extend_schema(request=None, responses={200: _CONFIGURATION, 401: _REGISTRATION_TOKEN_REFUSED})
    def get(self, request: Request, client_id: str) -> Response:
        return Response(client_metadata(self.client))

    @extend_schema(
        request=ClientMetadataSerializer,
        examples=[_UPDATE_EXAMPLE],
        responses={200: _CONFIGURATION, 401: _REGISTRATION_TOKEN_REFUSED, 403: _SCOPES_ADDED},
    )
    def put(self, request: Request, client_id: str) -> Response:
        client = self.client
        metadata = _read(request.data, partial_name=client.name)
        if isinstance(metadata, Response):
            return metadata
        if metadata.get("client_id", client_id) != client_id:
            return metadata_error("client_id in the body must match the URL.")
        method = metadata.get("token_endpoint_auth_method", client.token_endpoint_auth_method)
        if method != client.token_endpoint_auth_method:
            return metadata_error("token_endpoint_auth_method cannot change; register a new client instead.")
        try:
            client = services.update_oauth_client(
                client=client,
                name=metadata["client_name"],
                scopes=metadata["scope"].split(),
                narrow_only=True,
                by=None,
                meta=RequestMeta.of(request._request),
            )
        except (ValidationError, PermissionDenied, services.ScopeEscalation) as exc:
            return _refusal(exc)
        return Response(client_metadata(client))

    @extend_schema(request=None, responses={204: None, 401: _REGISTRATION_TOKEN_REFUSED})
    def delete(self, request: Request, client_id: str) -> Response:
        services.disable_oauth_client(client=self.client, by=None, meta=RequestMeta.of(request._request))
        return Response(status=status.HTTP_204_NO_CONTENT)
