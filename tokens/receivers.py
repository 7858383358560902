"""How credentials react to what happens below them: partner decisions, allowance
changes, members leaving, accounts switched off, and saved rows whose cached copies
must go."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from partners.models import Membership, Partner
from partners.signals import allowance_narrowed, member_removed, partner_reviewed
from tokens import services
from tokens.auth import forget_client, forget_partner, forget_token
from tokens.models import ApiToken, OAuthClient


@receiver(partner_reviewed, dispatch_uid="tokens-partner-reviewed")
def _reviewed(sender: Any, partner: Partner, decision: str, by: User | None, meta: Any, **kwargs: Any) -> None:
    """A rejection closes the sandbox: every credential goes, announced as admin_action."""
    if decision == Partner.Status.REJECTED:
        services.revoke_all(partner=partner, by=by, reason=ApiToken.RevokeReason.ADMIN_ACTION, meta=meta)


@receiver(allowance_narrowed, dispatch_uid="tokens-allowance-narrowed")
def _narrowed(sender: Any, partner: Partner, removed: list[str], by: User | None, meta: Any, **kwargs: Any) -> None:
    services.narrow_to_allowance(partner=partner, removed=removed, by=by, meta=meta)


@receiver(member_removed, dispatch_uid="tokens-member-removed")
def _member_removed(
    sender: Any, membership: Membership, leaving: bool, by: User | None, meta: Any, **kwargs: Any
) -> None:
    """Credentials a member created stop working with their membership."""
    reason = ApiToken.RevokeReason.USER_REQUEST if leaving else ApiToken.RevokeReason.ADMIN_ACTION
    services.revoke_all(partner=membership.partner, user=membership.user, by=by, reason=reason, meta=meta)


@receiver(post_save, sender=User, dispatch_uid="tokens-user-deactivated")
def _user_saved(sender: Any, instance: User, created: bool, **kwargs: Any) -> None:
    """An account switched off (admin, or any save with is_active False): everything it
    created, in every partner, is revoked at once."""
    if not created and not instance.is_active:
        services.revoke_all(user=instance, by=None, reason=ApiToken.RevokeReason.ADMIN_ACTION)


# Cached credential rows (tokens.auth) go as soon as what they were read from changes.
@receiver(post_save, sender=Partner, dispatch_uid="tokens-forget-partner")
def _partner_saved(sender: Any, instance: Partner, **kwargs: Any) -> None:
    forget_partner(instance.pk)


@receiver(post_save, sender=OAuthClient, dispatch_uid="tokens-forget-client")
@receiver(post_delete, sender=OAuthClient, dispatch_uid="tokens-forget-client-deleted")
def _client_changed(sender: Any, instance: OAuthClient, created: bool = False, **kwargs: Any) -> None:
    if not created:  # disabled, rotated, updated or deleted
        forget_client(instance.client_id)


@receiver(post_delete, sender=ApiToken, dispatch_uid="tokens-forget-token-deleted")
def _token_deleted(sender: Any, instance: ApiToken, **kwargs: Any) -> None:
    forget_token(instance.secret_hash)  # revocation forgets it itself (tokens.services)
