"""Credential strings: recognisable format, offline checksum, keyed hash at rest.

API token:        cms_sk_<env>_<random>_<checksum>   env = sandbox | live
Management token: cms_mt_<random>_<checksum>         (15-minute bearer from /cms/partner-login)

``random`` is 43 base62 characters (256 bits); ``checksum`` is 6 base62 characters of a
CRC32 over everything before it, so a mistyped or truncated token is rejected without
touching the database. Only an HMAC-SHA256 of the full string, keyed with a server
secret, is stored: the secret is high-entropy, so one keyed hash is as strong as a slow
password hash and about a thousand times cheaper to check.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import zlib
from dataclasses import dataclass

from django.conf import settings

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
RANDOM_LENGTH = 43  # 62**43 > 2**256
LOOKUP_LENGTH = 12  # the indexed, non-secret part used to find the row
_PATTERN = re.compile(r"^(cms_sk_(?:sandbox|live)|cms_mt)_([0-9A-Za-z]{43})_([0-9A-Za-z]{6})$")
ENV_PREFIX = {"sandbox": "cms_sk_sandbox", "production": "cms_sk_live"}
MANAGEMENT_PREFIX = "cms_mt"


def _base62(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, rest = divmod(number, 62)
        chars.append(ALPHABET[rest])
    return "".join(reversed(chars))


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode()), 6)


@dataclass(frozen=True)
class ParsedToken:
    prefix: str
    lookup: str
    full: str

    @property
    def display_prefix(self) -> str:
        """What lists show: recognisable, never enough to use (e.g. cms_sk_sandbox_ab12…)."""
        return f"{self.prefix}_{self.lookup[:4]}…"


def generate(prefix: str, seed: bytes | None = None) -> ParsedToken:
    """A new token. ``seed`` makes it deterministic: only for the demo data, so that
    ``seed_demo`` can print the same working token on every run."""
    if seed is None:
        random_part = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    else:
        random_part = _base62(int.from_bytes(hashlib.sha512(seed).digest()), RANDOM_LENGTH)
    body = f"{prefix}_{random_part}"
    full = f"{body}_{_checksum(body)}"
    return ParsedToken(prefix=prefix, lookup=random_part[:LOOKUP_LENGTH], full=full)


def parse(raw: str) -> ParsedToken | None:
    """The token's parts, or None when it is malformed or its checksum is wrong."""
    match = _PATTERN.match(raw.strip())
    if match is None:
        return None
    prefix, random_part, checksum = match.groups()
    body = f"{prefix}_{random_part}"
    if not hmac.compare_digest(_checksum(body), checksum):
        return None
    return ParsedToken(prefix=prefix, lookup=random_part[:LOOKUP_LENGTH], full=raw.strip())


def _key() -> bytes:
    configured: str = getattr(settings, "CREDENTIAL_HASH_KEY", "")
    material = configured or f"credential-hash:{settings.SECRET_KEY}"
    return hashlib.sha256(material.encode()).digest()


def hash_secret(secret: str) -> str:
    return hmac.new(_key(), secret.encode(), hashlib.sha256).hexdigest()


def matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)
