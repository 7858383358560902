"""Public keys published at a client's ``jwks_uri`` (RFC 7591), for private_key_jwt.

Fetched through the same SSRF guard as webhooks (public addresses only, checked after
DNS resolution, connecting to the checked address), https only (plain http is accepted
for loopback addresses where ``WEBHOOKS_ALLOW_LOOPBACK`` allows them: tests and local
demos), 5 s and 64 KB at most. Kept in the cache for 5 minutes; a signature that fails
against keys older than a minute triggers one fresh fetch, so a client's key rotation
works without waiting.
"""

from __future__ import annotations

import hashlib
import json
import time
from http.client import HTTPException
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError

from lib import outbound
from lib.ssrf import BlockedDestination, resolve
from tokens import jwt_auth

FETCH_TIMEOUT = 5.0
MAX_BYTES = 64 * 1024
CACHE_SECONDS = 300
REFRESH_AFTER = 60
FAILURE_SECONDS = 30
REFRESH_LOCK_SECONDS = 60  # at most one fresh fetch per URI in this time


class JwksUnavailable(Exception):
    """The keys could not be fetched or are not a valid public JWK Set; says why."""


def _key(uri: str) -> str:
    return "jwks-uri:" + hashlib.sha256(uri.encode()).hexdigest()


def fetch(uri: str) -> dict[str, Any]:
    """The validated public JWK Set at ``uri``, or JwksUnavailable."""
    try:
        dest = resolve(uri, require_https=False)
    except BlockedDestination as exc:
        raise JwksUnavailable(str(exc)) from exc
    if dest.scheme != "https" and not dest.address.startswith("127.") and dest.address != "::1":
        raise JwksUnavailable("jwks_uri must use https://.")
    try:
        status, body = outbound.get(dest, timeout=FETCH_TIMEOUT, limit=MAX_BYTES)
    except (OSError, HTTPException, ValueError) as exc:
        raise JwksUnavailable(f"could not fetch jwks_uri: {exc or type(exc).__name__}") from exc
    if status != 200:
        raise JwksUnavailable(f"jwks_uri answered HTTP {status}, not 200.")
    try:
        return jwt_auth.validate_jwks(json.loads(body))
    except (ValueError, UnicodeDecodeError) as exc:
        raise JwksUnavailable("jwks_uri did not return JSON.") from exc
    except ValidationError as exc:
        raise JwksUnavailable(" ".join(exc.messages)) from exc


def keys(uri: str, *, fresh: bool = False) -> dict[str, Any]:
    """The keys at ``uri`` from the cache, fetching them when missing (or ``fresh``).

    Fetches are rationed, because an unauthenticated token request can ask for one: at
    most one fresh fetch per URI a minute (otherwise the cached keys answer), and a
    failed fetch is remembered for 30 s instead of being retried by every request."""
    cached: dict[str, Any] | None = cache.get(_key(uri))
    if cached is not None and (not fresh or not cache.add(_key(uri) + ":refresh", 1, REFRESH_LOCK_SECONDS)):
        jwks: dict[str, Any] = cached["jwks"]
        return jwks
    failure = cache.get(_key(uri) + ":failed")
    if failure is not None:
        raise JwksUnavailable(failure)
    try:
        jwks = fetch(uri)
    except JwksUnavailable as exc:
        cache.set(_key(uri) + ":failed", str(exc), FAILURE_SECONDS)
        raise
    cache.set(_key(uri), {"jwks": jwks, "at": time.time()}, CACHE_SECONDS)
    return jwks


def stale(uri: str) -> bool:
    """Whether the cached keys are old enough to be worth fetching again."""
    cached = cache.get(_key(uri))
    return cached is None or time.time() - cached["at"] > REFRESH_AFTER
