from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from legal import services
from legal.models import Acceptance
from partners.context import current_membership


def agreements_banner(request: HttpRequest) -> dict[str, Any]:
    """On dashboard pages: agreements the current partner owes (a new version included)."""
    # Not on the agreements pages themselves: they show the same list in full.
    if not request.path.startswith("/dashboard/") or request.path.startswith("/dashboard/legal/"):
        return {}
    if not request.user.is_authenticated:
        return {}
    membership = current_membership(request)
    if membership is None:
        return {}
    owed = services.outstanding_documents(membership.partner)
    if not owed:
        return {}
    signed_kinds = set(Acceptance.objects.for_partner(membership.partner).values_list("document__kind", flat=True))
    return {"agreements_owed": [{"document": d, "is_update": d.kind in signed_kinds} for d in owed]}
