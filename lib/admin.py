"""What admin actions share."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


def staff_user(request: HttpRequest) -> User:
    """The signed-in staff member acting in the admin (services check their permissions)."""
    user = request.user
    if not isinstance(user, User) or not user.is_staff:
        raise PermissionDenied("Staff only.")
    return user
