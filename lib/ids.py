"""Public identifiers and timestamps in the shapes the API shows."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime


def new_id(prefix: str, nbytes: int = 12) -> str:
    """``prefix`` + URL-safe random text: ``tok_…``, ``evt_…``. Unguessable, so an id in a
    URL reveals nothing and cannot be enumerated."""
    return prefix + secrets.token_urlsafe(nbytes)


def iso(moment: datetime | None) -> str | None:
    """ISO-8601 UTC with ``Z``, to the second, as in the seed payloads (None stays None)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment is not None else None
