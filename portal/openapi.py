"""OpenAPI post-processing: every operation documents the errors it can answer with."""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "required": ["detail", "code"],
    "properties": {
        "detail": {"type": "string", "description": "What went wrong and what to fix."},
        "code": {"type": "string", "description": "Stable machine-readable code, e.g. insufficient_scope."},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "Field errors, when the request body was invalid.",
        },
    },
}

# Status -> when it happens. Authenticated operations add 401, those taking a partner's
# bearer token (scopes, roles) also 403; bodies add 400/413/415.
COMMON = {"404": "Not found (or not yours: other partners' objects are 404).", "429": "Rate limit exceeded."}
WITH_BODY = {
    "400": "Invalid input or malformed JSON.",
    "413": "Request body too large.",
    "415": "Only application/json is accepted.",
}
AUTHENTICATED = {"401": "Missing, malformed, expired or revoked bearer token (WWW-Authenticate: Bearer)."}
SCOPED = {"403": "The credential lacks a scope, or the member's role does not allow this."}
SCOPED_SCHEME = "bearerAuth"  # tokens.schema.BearerScheme: API tokens and management tokens


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            errors = dict(COMMON)
            if method in ("post", "put", "patch"):
                errors |= WITH_BODY
            schemes = {name for requirement in operation.get("security", []) for name in requirement}
            if schemes:
                errors |= AUTHENTICATED
            if SCOPED_SCHEME in schemes:
                errors |= SCOPED
            content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
            for status, description in errors.items():
                operation["responses"].setdefault(status, {"description": description, "content": content})
            for status, response in operation["responses"].items():
                # Errors a view declared itself (e.g. partner-login's 401) get the same body schema.
                if status.isdigit() and int(status) >= 400 and "content" not in response:
                    response["content"] = content
    return result
