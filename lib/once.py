"""Secrets shown exactly once in the browser: created by a POST, kept in the session
just long enough for the page the POST redirects to (Post/Redirect/Get, so reloading
neither creates a second credential nor shows the secret again)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

SESSION_KEY = "show-once"


def keep(request: HttpRequest, **shown: Any) -> None:
    """Remember what the next page shows once (e.g. ``name``, ``secret``, ``what``)."""
    request.session[SESSION_KEY] = shown


def take(request: HttpRequest, **match: Any) -> dict[str, Any] | None:
    """What :func:`keep` stored, removed from the session; None when nothing is waiting
    or it was meant for another page (every ``match`` item must agree)."""
    shown: dict[str, Any] | None = request.session.pop(SESSION_KEY, None)
    if shown is None or any(shown.get(key) != value for key, value in match.items()):
        return None
    return shown
