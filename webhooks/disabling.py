"""Disabling endpoints, whoever decides it, and the five-day failure clock that makes the
portal decide. Below the delivery loop, which calls it, and the services, which re-export
:func:`disable_endpoint` for views, the API and admin."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from audit import services as audit
from lib.request_context import RequestMeta
from lib.tasks import queue_after_commit
from partners.models import Partner
from partners.permissions import STAFF, SYSTEM, Action, authorize
from webhooks import notifications
from webhooks.models import Delivery, Endpoint

STAFF_PERMISSION = "webhooks.change_endpoint"
# Who may give each reason: staff for "staff", the portal itself for "gone" and "failing".
_PORTAL_REASONS = (Endpoint.DisabledReason.GONE, Endpoint.DisabledReason.FAILING)


def authorize_webhooks(partner: Partner, by: User | None, *, staff_permission: str = "") -> str:
    """Members whose role manages webhooks; staff holding ``staff_permission``; the portal."""
    return authorize(
        partner=partner,
        user=by,
        action=Action.MANAGE_WEBHOOKS,
        message="Your role cannot manage webhooks.",
        staff_permission=staff_permission,
    )


def disable_endpoint(*, endpoint: Endpoint, reason: str, by: User | None, meta: RequestMeta | None = None) -> bool:
    """Stop sending to the endpoint, whoever decides it: the partner (reason ``user``),
    staff (``staff``, with ``webhooks.change_endpoint``) or the portal (``gone``,
    ``failing``; ``by`` None). True when this call disabled it. The partner is emailed
    when the portal did it."""
    if reason not in Endpoint.DisabledReason.values:
        raise ValueError(f"unknown reason {reason!r}")
    role = SYSTEM if by is None else authorize_webhooks(endpoint.partner, by, staff_permission=STAFF_PERMISSION)
    if (reason == Endpoint.DisabledReason.STAFF and role != STAFF) or ((reason in _PORTAL_REASONS) != (role == SYSTEM)):
        raise PermissionDenied(f"Endpoints are not disabled with the reason {reason!r} by this actor.")
    with transaction.atomic():
        changed = Endpoint.objects.filter(pk=endpoint.pk, status=Endpoint.Status.ACTIVE).update(
            status=Endpoint.Status.DISABLED, disabled_reason=reason, disabled_at=timezone.now()
        )
        if not changed:
            return False
        endpoint.refresh_from_db()
        fail_pending(endpoint)
        audit.record(
            action="webhook_endpoint.disabled",
            actor=by,
            partner=endpoint.partner,
            obj=endpoint,
            meta=meta,
            details={"reason": reason},
        )
        if reason in _PORTAL_REASONS:
            queue_after_commit(notifications.send_endpoint_disabled_email, endpoint.pk)
    return True


def fail_pending(endpoint: Endpoint) -> None:
    """Deliveries waiting for a retry will not be sent: say so now, not at their next turn.
    An attempt already in flight still records its answer."""
    Delivery.objects.filter(endpoint=endpoint, status=Delivery.Status.PENDING, lease_owner="").update(
        status=Delivery.Status.FAILED,
        last_error="Not sent: the endpoint is disabled.",
        next_attempt_at=None,
        completed_at=timezone.now(),
    )


def note_failure(*, endpoint: Endpoint, at: datetime) -> bool:
    """Remember when the current run of failures began; disable the endpoint once it
    has lasted ``WEBHOOKS_DISABLE_AFTER`` (five days). True when it was disabled now."""
    Endpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=at)
    since = Endpoint.objects.filter(pk=endpoint.pk).values_list("failing_since", flat=True).first()
    if since is None or at - since < timedelta(seconds=settings.WEBHOOKS_DISABLE_AFTER):
        return False
    return disable_endpoint(endpoint=endpoint, reason=Endpoint.DisabledReason.FAILING, by=None)
