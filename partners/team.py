"""Team management: invitations, roles, removal. Every action is audited."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import User
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit import services as audit
from lib.request_context import RequestMeta
from lib.tasks import queue_after_commit
from partners import tasks
from partners.models import INVITATION_SALT, Invitation, Membership, Partner
from partners.permissions import Action, can, require
from partners.signals import member_removed

INVITATION_DAYS = 7


def _require_team_manager(partner: Partner, user: User) -> str:
    return require(
        partner=partner, user=user, action=Action.MANAGE_TEAM, message="Only an owner or admin can manage the team."
    )


def _check_grant(granter_role: str, role: str) -> None:
    if role not in Membership.Role.values:
        raise ValidationError(f"Unknown role {role!r}.")
    if role == Membership.Role.OWNER and granter_role != Membership.Role.OWNER:
        raise PermissionDenied("Only an owner can make someone an owner.")


def invitation_from_token(token: str) -> Invitation:
    """The invitation behind a link; ``ValidationError`` says why it cannot be used."""
    try:
        data = signing.loads(token, salt=INVITATION_SALT, max_age=timedelta(days=INVITATION_DAYS))
    except signing.SignatureExpired as exc:
        raise ValidationError("This invitation has expired. Ask the team's owner or admin for a new one.") from exc
    except signing.BadSignature as exc:
        raise ValidationError("This invitation link is not valid. Check that you copied all of it.") from exc
    invitation = Invitation.objects.select_related("partner").filter(pk=data.get("id"), email=data.get("email")).first()
    if invitation is None or invitation.revoked_at is not None:
        raise ValidationError("This invitation was withdrawn.")
    if invitation.accepted_at is not None:
        raise ValidationError("This invitation was already used. Sign in to reach the team.")
    if invitation.expires_at <= timezone.now():
        raise ValidationError("This invitation has expired. Ask the team's owner or admin for a new one.")
    return invitation


def invite_member(*, partner: Partner, email: str, role: str, by: User, meta: RequestMeta | None = None) -> Invitation:
    granter_role = _require_team_manager(partner, by)
    _check_grant(granter_role, role)
    email = email.strip().lower()
    if Membership.objects.filter(partner=partner, user__email__iexact=email).exists():
        raise ValidationError({"email": f"{email} is already a member of {partner.legal_name}."})
    with transaction.atomic():
        # A new invitation to the same address replaces the pending one (and its link).
        Invitation.objects.pending().filter(partner=partner, email__iexact=email).update(revoked_at=timezone.now())
        invitation = Invitation.objects.create(
            partner=partner,
            email=email,
            role=role,
            invited_by=by,
            expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
        )
        audit.record(
            action="team.invited",
            actor=by,
            partner=partner,
            obj=invitation,
            meta=meta,
            details={"email": email, "role": role},
        )
        queue_after_commit(tasks.send_invitation, invitation.pk)
    return invitation


def revoke_invitation(*, invitation: Invitation, by: User, meta: RequestMeta | None = None) -> Invitation:
    _require_team_manager(invitation.partner, by)
    with transaction.atomic():
        if invitation.revoked_at is None and invitation.accepted_at is None:
            invitation.revoked_at = timezone.now()
            invitation.save(update_fields=["revoked_at"])
            audit.record(
                action="team.invitation_revoked",
                actor=by,
                partner=invitation.partner,
                obj=invitation,
                meta=meta,
                details={"email": invitation.email},
            )
    return invitation


def accept_invitation(*, invitation: Invitation, user: User, meta: RequestMeta | None = None) -> Membership:
    """Join the team. The signed-in user must own the invited address."""
    if user.email.lower() != invitation.email.lower():
        raise ValidationError(
            f"This invitation is for {invitation.email}; you are signed in as {user.email}. "
            "Sign out and sign in (or create an account) with the invited address."
        )
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().select_related("partner").get(pk=invitation.pk)
        if not invitation.is_pending:
            raise ValidationError("This invitation can no longer be used.")
        membership, created = Membership.objects.get_or_create(
            partner=invitation.partner, user=user, defaults={"role": invitation.role}
        )
        invitation.accepted_at, invitation.accepted_by = timezone.now(), user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        if created:
            audit.record(
                action="team.joined",
                actor=user,
                partner=invitation.partner,
                obj=membership,
                meta=meta,
                details={"role": membership.role, "invitation": invitation.pk},
            )
    return membership


def _owners_left(partner: Partner, excluding: Membership) -> int:
    return partner.memberships.filter(role=Membership.Role.OWNER).exclude(pk=excluding.pk).count()


def change_role(*, membership: Membership, role: str, by: User, meta: RequestMeta | None = None) -> Membership:
    granter_role = _require_team_manager(membership.partner, by)
    _check_grant(granter_role, role)
    if membership.role == Membership.Role.OWNER and granter_role != Membership.Role.OWNER:
        raise PermissionDenied("Only an owner can change an owner's role.")
    with transaction.atomic():
        Partner.objects.select_for_update().get(pk=membership.partner_id)
        membership = Membership.objects.select_for_update(of=("self",)).select_related("partner").get(pk=membership.pk)
        demoting_owner = membership.role == Membership.Role.OWNER and role != Membership.Role.OWNER
        if demoting_owner and _owners_left(membership.partner, membership) == 0:
            raise ValidationError("The organization needs at least one owner: make someone else owner first.")
        previous = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        if not can(role, Action.MANAGE_TEAM):
            _withdraw_invitations_from(membership)
        audit.record(
            action="team.role_changed",
            actor=by,
            partner=membership.partner,
            obj=membership,
            meta=meta,
            details={"user": membership.user.email, "from": previous, "to": role},
        )
    return membership


def remove_member(*, membership: Membership, by: User, meta: RequestMeta | None = None) -> None:
    """Remove a member (or leave, when ``by`` is the member). The last owner cannot go."""
    leaving = membership.user_id == by.pk
    if not leaving:
        by_role = _require_team_manager(membership.partner, by)
        if membership.role == Membership.Role.OWNER and by_role != Membership.Role.OWNER:
            raise PermissionDenied("Only an owner can remove an owner.")
    with transaction.atomic():
        # Lock the partner first: concurrent removals of two owners queue up instead of deadlocking.
        Partner.objects.select_for_update().get(pk=membership.partner_id)
        membership = (
            Membership.objects.select_for_update(of=("self",)).select_related("partner", "user").get(pk=membership.pk)
        )
        if membership.role == Membership.Role.OWNER and _owners_left(membership.partner, membership) == 0:
            raise ValidationError("The last owner cannot leave: make someone else owner first.")
        # Credentials the member created stop working with their membership (tokens.receivers).
        member_removed.send(Partner, membership=membership, leaving=leaving, by=by, meta=meta)
        audit.record(
            action="team.left" if leaving else "team.removed",
            actor=by,
            partner=membership.partner,
            obj=membership,
            meta=meta,
            details={"user": membership.user.email, "role": membership.role},
        )
        _withdraw_invitations_from(membership)
        membership.delete()


def _withdraw_invitations_from(membership: Membership) -> None:
    """Pending invitations sent by someone who can no longer invite stop working."""
    Invitation.objects.pending().filter(partner=membership.partner, invited_by=membership.user).update(
        revoked_at=timezone.now()
    )
