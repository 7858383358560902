"""What each team role may do. Enforced by views, the API and services alike."""

from __future__ import annotations

from enum import StrEnum

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied

from lib.errors import Refused
from partners.models import Membership, Partner


class Action(StrEnum):
    VIEW = "view"
    MANAGE_CREDENTIALS = "manage_credentials"
    MANAGE_WEBHOOKS = "manage_webhooks"
    SIGN_AGREEMENTS = "sign_agreements"
    MANAGE_TEAM = "manage_team"

    @property
    def label(self) -> str:
        return {
            "view": "View the organization",
            "manage_credentials": "Create and revoke credentials",
            "manage_webhooks": "Manage webhooks",
            "sign_agreements": "Sign agreements",
            "manage_team": "Invite and remove members",
        }[self.value]


_ALL = frozenset(Action)
ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Membership.Role.OWNER: _ALL,
    Membership.Role.ADMIN: _ALL,
    Membership.Role.DEVELOPER: frozenset({Action.VIEW, Action.MANAGE_CREDENTIALS, Action.MANAGE_WEBHOOKS}),
    Membership.Role.VIEWER: frozenset({Action.VIEW}),
}


def can(role: str, action: Action) -> bool:
    return action in ROLE_ACTIONS.get(role, frozenset())


def role_of(partner: Partner, user: User) -> str | None:
    """The active user's role in ``partner``; None for non-members and deactivated accounts."""
    if not user.is_active:
        return None
    role: str | None = Membership.objects.filter(partner=partner, user=user).values_list("role", flat=True).first()
    return role


def require(*, partner: Partner, user: User, action: Action, message: str) -> str:
    """The user's role in ``partner``; ``PermissionDenied(message)`` unless it may ``action``."""
    role = role_of(partner, user)
    if role is None or not can(role, action):
        raise PermissionDenied(message)
    return role


class SandboxClosed(Refused):
    """The partner's application was declined: its members can no longer act for it."""

    status_code = 403
    code = "sandbox_closed"


SYSTEM = "system"
STAFF = "staff"


def authorize(*, partner: Partner, user: User | None, action: Action, message: str, staff_permission: str = "") -> str:
    """Who may act, checked inside every service: ``SYSTEM`` when no person acts (tasks,
    commands, the portal itself), ``STAFF`` for an active staff user holding
    ``staff_permission`` (admin actions), else the member's role, which must allow
    ``action``. ``PermissionDenied(message)`` for anyone else."""
    if user is None:
        return SYSTEM
    if staff_permission and user.is_active and user.is_staff and user.has_perm(staff_permission):
        return STAFF
    role = require(partner=partner, user=user, action=action, message=message)
    if not partner.sandbox_open:
        raise SandboxClosed("This organization's application was declined: its credentials and webhooks are closed.")
    return role


def require_staff(user: User, permission: str, message: str) -> None:
    """Staff-only actions (review, counter-signing): an active staff user with ``permission``."""
    if not (user.is_active and user.is_staff and user.has_perm(permission)):
        raise PermissionDenied(message)
