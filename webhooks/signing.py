"""Standard Webhooks signing, and the endpoint secrets kept encrypted at rest.

Secret: ``whsec_`` + base64 of 32 random bytes; the HMAC key is the decoded bytes.
Signature: ``v1,`` + base64(HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}")).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

PREFIX = "whsec_"
SECRET_BYTES = 32
_NONCE_BYTES = 12


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_hint(secret: str) -> str:
    """A few non-secret characters that let a partner tell two secrets apart."""
    return secret.removeprefix(PREFIX)[:4]


def sign(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    key = base64.b64decode(secret.removeprefix(PREFIX))
    mac = hmac.new(key, f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def signature_header(secrets_in_use: list[str], msg_id: str, timestamp: int, body: str) -> str:
    """Space-separated signatures: one per secret that is valid now (two while a rotated
    secret overlaps with its successor)."""
    return " ".join(sign(secret, msg_id, timestamp, body) for secret in secrets_in_use)


def _cipher() -> AESGCM:
    configured: str = getattr(settings, "CREDENTIAL_HASH_KEY", "")
    material = configured or f"credential-hash:{settings.SECRET_KEY}"
    key = hmac.new(material.encode(), b"webhook-endpoint-secrets/v1", hashlib.sha256).digest()
    return AESGCM(key)


def encrypt(secret: str, *, bound_to: str) -> str:
    """AES-256-GCM; ``bound_to`` (the endpoint id) is authenticated, so a ciphertext
    copied onto another endpoint's row does not decrypt."""
    nonce = secrets.token_bytes(_NONCE_BYTES)
    sealed = _cipher().encrypt(nonce, secret.encode(), bound_to.encode())
    return base64.b64encode(nonce + sealed).decode()


def decrypt(ciphertext: str, *, bound_to: str) -> str:
    raw = base64.b64decode(ciphertext)
    return _cipher().decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], bound_to.encode()).decode()
