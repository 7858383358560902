"""The API's shared parts: the one error shape (every error is ``{"detail", "code"}``, plus
``"errors"`` for fields), the one translator from a service's refusal to an API error, the
scope check and the base view of every credential-authenticated endpoint."""

from __future__ import annotations

import functools
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.module_loading import import_string
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from lib.errors import Refused


def _first_message(errors: Any) -> str:
    if isinstance(errors, dict):
        for field, value in errors.items():
            message = _first_message(value)
            return message if field == "non_field_errors" else f"{field}: {message}"
    if isinstance(errors, list) and errors:
        return _first_message(errors[0])
    return str(errors)


def _messages(value: Any, where: str = "") -> list[str]:
    """Field errors as a flat list of strings, as the schema promises: DRF keys the
    errors of list items and nested objects by index or name ({"11": [...]})."""
    if isinstance(value, dict):
        return [
            m
            for key, inner in value.items()
            for m in _messages(inner, f"{where}item {key}: " if str(key).isdigit() else f"{where}{key}: ")
        ]
    if isinstance(value, list | tuple):
        return [m for inner in value for m in _messages(inner, where)]
    return [f"{where}{value}"]


def field_errors(errors: dict[str, Any]) -> dict[str, list[str]]:
    return {str(field): _messages(value) for field, value in errors.items()}


def error_body(detail: str, code: str, errors: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"detail": detail, "code": code}
    if errors:
        body["errors"] = errors
    return body


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every API error is ``{"detail", "code"}``; field errors add ``"errors"``."""
    if isinstance(exc, Refused):  # a service's refusal that knows its own answer
        refusal = Response({**error_body(str(exc), exc.code), **exc.extra()}, status=exc.status_code)
        view = context.get("view")
        if exc.status_code == 401 and view is not None:
            refusal["WWW-Authenticate"] = view.get_authenticate_header(view.request)
        retry_after = getattr(exc, "retry_after", 0)
        if retry_after:
            refusal["Retry-After"] = str(retry_after)
        return refusal
    if isinstance(exc, RequestDataTooBig):
        limit_kib = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
        return Response(error_body(f"The request body is larger than {limit_kib} KiB.", "request_too_large"), 413)
    if isinstance(exc, DjangoValidationError):  # a service refused the input: say why, per field
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        errors = field_errors(exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail})
        response.data = error_body(f"Invalid input. {_first_message(errors)}", "invalid", errors)
        return response
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    response.data = error_body(str(exc.detail), str(code))
    return response


class Credential(Protocol):
    """What authentication leaves in ``request.auth`` for a partner's credential (the
    tokens app's ``Principal``)."""

    @property
    def partner(self) -> Any: ...
    @property
    def user(self) -> Any: ...
    @property
    def scopes(self) -> frozenset[str]: ...
    @property
    def environment(self) -> str: ...
    @property
    def rate_limit_key(self) -> str: ...


# Methods answered like another one: HEAD is GET without the body, so it needs GET's scopes.
_SAME_SCOPES_AS = {"HEAD": "GET"}


class HasScopes(BasePermission):
    """``view.required_scopes = {"GET": [...], "POST": [...]}``: every listed scope is needed.
    HEAD needs what GET needs. A method the view implements but the table does not list is
    refused (fail closed), except OPTIONS, which describes the endpoint and returns no data."""

    def has_permission(self, request: Request, view: Any) -> bool:
        credential = request.auth
        if credential is None or not hasattr(credential, "scopes"):
            raise exceptions.NotAuthenticated("Send a bearer token: “Authorization: Bearer <token>”.")
        method = (request.method or "").upper()
        table: dict[str, list[str]] = getattr(view, "required_scopes", {})
        method = _SAME_SCOPES_AS.get(method, method)
        if method not in table:
            if method == "OPTIONS" or not hasattr(view, method.lower()):
                return True  # metadata, or a 405 the view will give
            raise exceptions.PermissionDenied(
                "This endpoint lists no scope for that method.", code="insufficient_scope"
            )
        missing = [s for s in table[method] if s not in credential.scopes]
        if missing:
            raise exceptions.PermissionDenied(
                f"This credential lacks the scope {', '.join(missing)}.", code="insufficient_scope"
            )
        return True


@functools.cache
def _credential_authentication() -> type[BaseAuthentication]:
    cls: type[BaseAuthentication] = import_string(settings.API_CREDENTIAL_AUTHENTICATION)
    return cls


class ScopedAPIView(GenericAPIView[Any]):
    """Base of every endpoint a partner's credential calls: authenticated by
    ``settings.API_CREDENTIAL_AUTHENTICATION`` (bearer tokens), scopes checked."""

    permission_classes = (HasScopes,)

    def get_authenticators(self) -> list[BaseAuthentication]:
        return [_credential_authentication()()]

    @property
    def credential(self) -> Credential:
        if self.request.auth is None:  # HasScopes ran first, so only a misconfigured view gets here
            raise exceptions.NotAuthenticated()
        credential: Credential = self.request.auth  # type: ignore[assignment]  # set by our authentication
        return credential
