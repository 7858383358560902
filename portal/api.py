"""The API error shape: every error is ``{"detail", "code"}`` (plus ``"errors"`` for fields)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def _first_message(errors: Any) -> str:
    if isinstance(errors, dict):
        for field, value in errors.items():
            message = _first_message(value)
            return message if field == "non_field_errors" else f"{field}: {message}"
    if isinstance(errors, list) and errors:
        return _first_message(errors[0])
    return str(errors)


def error_body(detail: str, code: str, errors: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"detail": detail, "code": code}
    if errors:
        body["errors"] = errors
    return body


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every API error is ``{"detail", "code"}``; field errors add ``"errors"``."""
    from legal.services import AgreementsOutstanding

    if isinstance(exc, AgreementsOutstanding):
        body = error_body(str(exc), exc.code)
        body["documents"] = [
            {"kind": d.kind, "version": d.version, "title": d.title, "url": f"/legal/{d.slug}/{d.version}/"}
            for d in exc.documents
        ]
        return Response(body, status=403)
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
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = error_body(f"Invalid input. {_first_message(errors)}", "invalid", errors)
        return response
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    response.data = error_body(str(exc.detail), str(code))
    return response
