"""Public identifiers and timestamps in the shapes the API shows."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime

# What secrets.token_urlsafe produces.
ID_CHARACTERS = "[-A-Za-z0-9_]+"


def new_id(prefix: str, nbytes: int = 12) -> str:
    """``prefix`` + URL-safe random text: ``tok_…``, ``evt_…``. Unguessable, so an id in a
    URL reveals nothing and cannot be enumerated."""
    return prefix + secrets.token_urlsafe(nbytes)


def id_regex(prefix: str) -> str:
    """The ids ``new_id(prefix)`` makes, as a regular expression."""
    return re.escape(prefix) + ID_CHARACTERS


class IdConverter:
    """URL path converter for one kind of id (``regex = id_regex("tok_")``): an id of
    another kind, or with characters no id has, matches no URL and is a 404 before any
    view or database query (the OpenAPI schema shows the pattern)."""

    regex = ID_CHARACTERS

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


def iso(moment: datetime | None) -> str | None:
    """ISO-8601 UTC with ``Z``, to the second, as in the seed payloads (None stays None)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment is not None else None
