"""OpenAPI descriptions of the bearer authentications (drf-spectacular extensions)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerScheme(OpenApiAuthenticationExtension):
    target_class = "tokens.auth.BearerAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token (cms_sk_sandbox_…) or a management token from POST /cms/partner-login.",
        }


class RegistrationTokenScheme(OpenApiAuthenticationExtension):
    target_class = "tokens.registration.RegistrationTokenAuthentication"
    name = "registrationAccessToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "RFC 7592: the registration_access_token that POST /cms/oauth/register returned "
            "for this client.",
        }
