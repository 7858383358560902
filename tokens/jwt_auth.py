"""private_key_jwt client authentication (RFC 7523 §2.2, RFC 7521), verified with jwcrypto.

The client signs a short-lived JWT with its private key (RS384 or ES384) and sends it
as ``client_assertion``; we check it against the public keys it registered.
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from jwcrypto import jwk, jws, jwt
from jwcrypto.common import JWException

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
AUTH_METHOD = "private_key_jwt"
ALGORITHMS = ["RS384", "ES384"]
MAX_LIFETIME = 300  # seconds: exp may be at most 5 minutes ahead


class AssertionRejected(Exception):
    pass


def token_endpoint_urls() -> set[str]:
    base = f"{settings.SITE_URL}/oauth/token"
    return {base, base + "/"}


def validate_jwks(value: Any) -> dict[str, Any]:
    """A public JWK Set of RSA (≥ 2048 bits) or EC P-384 keys; private parts refused."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValidationError({"jwks": f"jwks is not valid JSON: {exc.msg}."}) from exc
    if not isinstance(value, dict) or not isinstance(value.get("keys"), list) or not value["keys"]:
        raise ValidationError({"jwks": 'jwks must be a JWK Set: {"keys": [ ... ]} with at least one key.'})
    for index, key in enumerate(value["keys"]):
        if not isinstance(key, dict):
            raise ValidationError({"jwks": f"Key {index} is not a JSON object."})
        if "d" in key or "p" in key:
            raise ValidationError({"jwks": f"Key {index} contains private key material; register public keys only."})
        try:
            parsed = jwk.JWK(**key)
        except (JWException, ValueError, TypeError) as exc:
            raise ValidationError({"jwks": f"Key {index} is not a valid JWK: {exc}."}) from exc
        kty = key.get("kty")
        if kty == "RSA" and parsed.get_op_key("verify").key_size < 2048:
            raise ValidationError({"jwks": f"Key {index}: RSA keys must be at least 2048 bits."})
        if kty == "EC" and key.get("crv") != "P-384":
            raise ValidationError({"jwks": f"Key {index}: EC keys must use P-384 (ES384)."})
        if kty not in ("RSA", "EC"):
            raise ValidationError({"jwks": f"Key {index}: kty must be RSA or EC."})
    return {"keys": value["keys"]}


def unverified_issuer(assertion: str) -> str:
    try:
        token = jws.JWS()
        token.deserialize(assertion)
        claims = json.loads(token.objects["payload"])
    except (JWException, ValueError, KeyError, TypeError) as exc:
        raise AssertionRejected("client_assertion is not a compact JWS") from exc
    issuer = claims.get("iss") if isinstance(claims, dict) else None
    if not isinstance(issuer, str) or not issuer:
        raise AssertionRejected("client_assertion has no iss")
    return issuer


def verify(assertion: str, *, client_id: str, jwks: dict[str, Any]) -> dict[str, Any]:
    """The verified claims, or AssertionRejected. Blocks replays of the same jti."""
    try:
        keyset = jwk.JWKSet.from_json(json.dumps(jwks))
        checked = jwt.JWT(
            jwt=assertion,
            key=keyset,
            algs=ALGORITHMS,
            expected_type="JWS",
            check_claims={"iss": client_id, "sub": client_id, "exp": None, "jti": None},
        )
        claims: dict[str, Any] = json.loads(checked.claims)
    except (JWException, ValueError, TypeError) as exc:
        raise AssertionRejected(f"client_assertion failed verification: {exc}") from exc
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if not token_endpoint_urls() & set(audiences):
        raise AssertionRejected("client_assertion aud must be the token endpoint URL")
    now = int(time.time())
    exp = int(claims["exp"])
    if exp <= now:  # no leeway: the client signs a fresh assertion per request
        raise AssertionRejected("client_assertion has expired")
    if exp - now > MAX_LIFETIME:
        raise AssertionRejected(f"client_assertion exp is more than {MAX_LIFETIME} seconds ahead")
    if not cache.add(f"jwt-jti:{client_id}:{claims['jti']}", 1, timeout=max(exp - now, 1) + 120):
        raise AssertionRejected("client_assertion jti was already used")
    return claims
