"""Secrets shown exactly once in the browser: created by a POST, kept in the session
just long enough for the page the POST redirects to (Post/Redirect/Get, so reloading
neither creates a second credential nor shows the secret again)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

SESSION_KEY = "show-once"


def keep(request: HttpRequest, *, page: str, **shown: Any) -> None:
    """Remember what ``page`` shows once (e.g. ``title``, ``secret``, ``what``)."""
    request.session[SESSION_KEY] = {**shown, "page": page}


def take(request: HttpRequest, *, page: str) -> dict[str, Any] | None:
    """What :func:`keep` stored for ``page``, removed from the session. A secret meant
    for another page (another tab) stays for that page."""
    shown: dict[str, Any] | None = request.session.get(SESSION_KEY)
    if shown is None or shown.get("page") != page:
        return None
    del request.session[SESSION_KEY]
    return shown
