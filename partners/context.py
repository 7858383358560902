"""Which partner a signed-in user is acting for, and the view guard built on it."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect

from partners.models import Membership
from partners.permissions import Action, can

SESSION_KEY = "current_partner_id"
P = ParamSpec("P")


def current_membership(request: HttpRequest) -> Membership | None:
    """The membership for the partner chosen in this session, else the first one."""
    if not request.user.is_authenticated:
        return None
    memberships = list(Membership.objects.filter(user=request.user).select_related("partner").order_by("partner__gpid"))
    chosen = request.session.get(SESSION_KEY)
    for membership in memberships:
        if membership.partner_id == chosen:
            return membership
    return memberships[0] if memberships else None


def partner_view(
    action: Action,
) -> Callable[[Callable[Concatenate[HttpRequest, Membership, P], HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Sign-in required; passes the current membership; 403 when its role may not ``action``."""

    def decorator(
        view: Callable[Concatenate[HttpRequest, Membership, P], HttpResponseBase],
    ) -> Callable[..., HttpResponseBase]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            membership = current_membership(request)
            if membership is None:
                messages.info(request, "Your account is not a member of a partner organization yet.")
                return redirect("dashboard")
            if not can(membership.role, action):
                raise PermissionDenied(f"Your role ({membership.get_role_display()}) cannot do this.")
            return view(request, membership, *args, **kwargs)

        return wrapper

    return decorator
