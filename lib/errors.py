"""A service's refusal that knows how the API should answer it."""

from __future__ import annotations

from typing import Any


class Refused(Exception):
    """Raised by a service when the request is understood but cannot be done as asked.
    The API turns it into ``{"detail": str(exc), "code": code, **extra()}`` with
    ``status_code``; forms show the message on ``field`` (or above the form)."""

    status_code = 400
    code = "invalid"
    field: str | None = None

    def extra(self) -> dict[str, Any]:
        return {}


def message_of(exc: Exception) -> str:
    """A service's refusal as one line for a page message or an admin notice: the
    messages of a ValidationError joined, else the exception's own words."""
    messages = getattr(exc, "messages", None)
    if isinstance(messages, list) and messages:
        return " ".join(str(m) for m in messages)
    return str(exc) or "Not allowed."
