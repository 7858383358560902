"""Webhook actions: emitting events, managing endpoints, replaying deliveries.

Every action runs in one transaction, writes its audit record, and queues delivery
tasks only after commit, so a rolled-back change never sends anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit import services as audit
from lib.environment import Environment
from lib.ids import iso
from lib.request_context import RequestMeta
from lib.ssrf import BlockedDestination, resolve
from partners.models import Partner
from partners.permissions import STAFF, SYSTEM
from partners.services import reserve
from webhooks import signing, tasks
from webhooks.disabling import STAFF_PERMISSION, authorize_webhooks, disable_endpoint

__all__ = [
    "create_endpoint",
    "delete_endpoint",
    "disable_endpoint",
    "emit",
    "recover_failed",
    "replay_delivery",
    "rotate_secret",
    "send_test",
    "update_endpoint",
]
from webhooks.catalog import EVENT_TYPES_BY_NAME, SUBSCRIBABLE
from webhooks.models import Delivery, Endpoint, Event

MAX_ENDPOINTS = 20
SECRET_OVERLAP = timedelta(hours=24)
RECOVER_LIMIT = 1000


class UnknownEventType(ValueError):
    pass


@dataclass(frozen=True)
class NewSecret:
    endpoint: Endpoint
    secret: str


def emit(
    *,
    partner: Partner,
    type: str,  # noqa: A002 - the seed's word
    payload: dict[str, Any],
    environment: str = Environment.SANDBOX,
    only: Endpoint | None = None,
) -> Event:
    """Record that ``type`` happened to ``partner`` and address it to every active
    endpoint of that environment subscribed to it (or to ``only``).

    Writes the outbox rows inside the caller's transaction: if the caller rolls back,
    the event never existed. Delivery tasks are queued after commit; the sweeper
    catches any whose queueing failed. The payload carries ``"event": type`` first, as
    in the seed examples.
    """
    if type not in EVENT_TYPES_BY_NAME:
        raise UnknownEventType(f"Unknown webhook event type {type!r}; known: {', '.join(EVENT_TYPES_BY_NAME)}")
    body = {"event": type, **{k: v for k, v in payload.items() if k != "event"}}
    with transaction.atomic(savepoint=False):  # inside the caller's transaction when there is one
        event = Event.objects.create(partner=partner, type=type, environment=environment, body=Event.serialize(body))
        if only is not None:
            endpoint_ids = [only.pk]
        else:
            candidates = Endpoint.objects.active().filter(partner=partner, environment=environment)
            endpoint_ids = [pk for pk, types in candidates.values_list("pk", "event_types") if type in types]
        now = timezone.now()
        deliveries = Delivery.objects.bulk_create(
            [Delivery(event=event, endpoint_id=pk, next_attempt_at=now) for pk in endpoint_ids]
        )
        _queue(deliveries)
    return event


def _queue(deliveries: list[Delivery]) -> None:
    ids = [d.pk for d in deliveries]
    if ids:
        transaction.on_commit(lambda: tasks.queue_deliveries(ids))


def _clean_event_types(event_types: list[str]) -> list[str]:
    unknown = [t for t in event_types if t not in SUBSCRIBABLE]
    if unknown:
        raise ValidationError(
            {"events": f"Unknown event type: {', '.join(unknown)}. Choose from: {', '.join(SUBSCRIBABLE)}."}
        )
    if not event_types:
        raise ValidationError({"events": "Subscribe to at least one event type."})
    return [t for t in SUBSCRIBABLE if t in event_types]  # catalog order, no duplicates


def check_destination(url: str, environment: str) -> str:
    """The URL, if webhooks may be sent there; a ValidationError on ``url`` saying why not."""
    url = url.strip()
    try:
        resolve(url, require_https=environment == Environment.PRODUCTION)
    except BlockedDestination as exc:
        raise ValidationError({"url": str(exc)}) from exc
    return url


def create_endpoint(
    *,
    partner: Partner,
    url: str,
    event_types: list[str],
    environment: str = Environment.SANDBOX,
    description: str = "",
    by: User | None,
    meta: RequestMeta | None = None,
) -> NewSecret:
    """A new endpoint and its signing secret (returned here, never again)."""
    authorize_webhooks(partner, by)
    if environment not in Environment.values:
        raise ValidationError({"environment": f"Choose one of: {', '.join(Environment.values)}."})
    types = _clean_event_types(event_types)
    url = check_destination(url, environment)
    secret = signing.new_secret()
    with transaction.atomic():
        reserve(
            partner=partner,
            existing=Endpoint.objects.filter(partner=partner),
            limit=MAX_ENDPOINTS,
            what="webhook endpoints",
        )
        endpoint = Endpoint(
            partner=partner,
            url=url,
            description=description.strip(),
            event_types=types,
            environment=environment,
            secret_hint=signing.secret_hint(secret),
            created_by=by,
        )
        endpoint.secret_ciphertext = signing.encrypt(secret, bound_to=endpoint.public_id)
        endpoint.save()
        audit.record(
            action="webhook_endpoint.created",
            actor=by,
            partner=partner,
            obj=endpoint,
            meta=meta,
            details={"url": url, "events": types, "environment": environment},
        )
    return NewSecret(endpoint=endpoint, secret=secret)


def update_endpoint(
    *,
    endpoint: Endpoint,
    by: User | None,
    meta: RequestMeta | None = None,
    url: str | None = None,
    description: str | None = None,
    event_types: list[str] | None = None,
    active: bool | None = None,
) -> Endpoint:
    """Change what is given; re-enabling starts a fresh failure window. Disabling goes
    through :func:`disable_endpoint`, like every other way an endpoint is disabled. What
    staff disabled only staff enable again."""
    role = authorize_webhooks(endpoint.partner, by, staff_permission=STAFF_PERMISSION)
    if active is True and endpoint.disabled_reason == Endpoint.DisabledReason.STAFF and role not in (STAFF, SYSTEM):
        raise PermissionDenied("Staff disabled this endpoint; ask them (support) to enable it again.")
    changes: dict[str, Any] = {}
    if url is not None and url.strip() != endpoint.url:
        changes["url"] = check_destination(url, endpoint.environment)
    if description is not None and description.strip() != endpoint.description:
        changes["description"] = description.strip()
    if event_types is not None:
        types = _clean_event_types(event_types)
        if types != endpoint.event_types:
            changes["event_types"] = types
    with transaction.atomic():
        if active is False:
            disable_endpoint(endpoint=endpoint, reason=Endpoint.DisabledReason.USER, by=by, meta=meta)
        endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
        for field, value in changes.items():
            setattr(endpoint, field, value)
        if active is True and not endpoint.is_active:
            endpoint.status = Endpoint.Status.ACTIVE
            endpoint.disabled_reason = ""
            endpoint.disabled_at = None
            endpoint.failing_since = None
            changes["active"] = True
        if not changes:
            return endpoint
        endpoint.updated_at = timezone.now()
        endpoint.save()
        audit.record(
            action="webhook_endpoint.updated",
            actor=by,
            partner=endpoint.partner,
            obj=endpoint,
            meta=meta,
            details={"changed": sorted(changes)},
        )
    return endpoint


def delete_endpoint(*, endpoint: Endpoint, by: User | None, meta: RequestMeta | None = None) -> None:
    """Delete the endpoint and its delivery log (events stay in the outbox)."""
    authorize_webhooks(endpoint.partner, by)
    with transaction.atomic():
        audit.record(
            action="webhook_endpoint.deleted",
            actor=by,
            partner=endpoint.partner,
            obj=endpoint,
            meta=meta,
            details={"url": endpoint.url},
        )
        endpoint.delete()


def rotate_secret(*, endpoint: Endpoint, by: User | None, meta: RequestMeta | None = None) -> NewSecret:
    """A new signing secret; the old one keeps signing beside it for 24 hours, so the
    partner can deploy the new one without dropping a delivery."""
    authorize_webhooks(endpoint.partner, by)
    secret = signing.new_secret()
    with transaction.atomic():
        endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
        endpoint.previous_secret_ciphertext = endpoint.secret_ciphertext
        endpoint.previous_secret_expires_at = timezone.now() + SECRET_OVERLAP
        endpoint.secret_ciphertext = signing.encrypt(secret, bound_to=endpoint.public_id)
        endpoint.secret_hint = signing.secret_hint(secret)
        endpoint.updated_at = timezone.now()
        endpoint.save()
        audit.record(
            action="webhook_endpoint.secret_rotated",
            actor=by,
            partner=endpoint.partner,
            obj=endpoint,
            meta=meta,
            details={"previous_valid_until": iso(endpoint.previous_secret_expires_at)},
        )
    return NewSecret(endpoint=endpoint, secret=secret)


def _require_active(endpoint: Endpoint, doing: str) -> None:
    if not endpoint.is_active:
        raise ValidationError(f"This endpoint is disabled: enable it before {doing}.")


def send_test(*, endpoint: Endpoint, by: User | None, meta: RequestMeta | None = None) -> Delivery:
    """A ``webhook.test`` event to this endpoint only, whatever it subscribes to."""
    authorize_webhooks(endpoint.partner, by)
    _require_active(endpoint, "sending a test event")
    with transaction.atomic():
        event = emit(
            partner=endpoint.partner,
            type="webhook.test",
            environment=endpoint.environment,
            only=endpoint,
            payload={
                "endpoint_id": endpoint.public_id,
                "partner_gpid": endpoint.partner.gpid,
                "sent_at": iso(timezone.now()),
            },
        )
        audit.record(action="webhook_endpoint.tested", actor=by, partner=endpoint.partner, obj=endpoint, meta=meta)
        return event.deliveries.get()


def replay_delivery(*, delivery: Delivery, by: User | None, meta: RequestMeta | None = None) -> Delivery:
    """Send the same event again (same ``webhook-id``) to the same endpoint, now.
    Partners' members and staff (``webhooks.change_delivery``) may."""
    authorize_webhooks(delivery.endpoint.partner, by, staff_permission="webhooks.change_delivery")
    _require_active(delivery.endpoint, "replaying deliveries")
    with transaction.atomic():
        replay = Delivery.objects.create(
            event=delivery.event, endpoint=delivery.endpoint, replay_of=delivery, next_attempt_at=timezone.now()
        )
        audit.record(
            action="webhook_delivery.replayed",
            actor=by,
            partner=delivery.endpoint.partner,
            obj=replay,
            meta=meta,
            details={"replay_of": delivery.public_id, "event_id": delivery.event.public_id},
        )
        _queue([replay])
    return replay


def recover_failed(
    *, endpoint: Endpoint, since: datetime, by: User | None, meta: RequestMeta | None = None
) -> list[Delivery]:
    """Replay every event whose delivery to this endpoint failed since ``since`` and
    that has not reached it since (at most 1000 per call)."""
    authorize_webhooks(endpoint.partner, by)
    _require_active(endpoint, "recovering deliveries")
    if since > timezone.now():
        raise ValidationError({"since": "Choose a time in the past."})
    with transaction.atomic():
        done_or_underway = Delivery.objects.filter(endpoint=endpoint).exclude(status=Delivery.Status.FAILED)
        failed_events = (
            Delivery.objects.filter(endpoint=endpoint, status=Delivery.Status.FAILED, created_at__gte=since)
            .exclude(event__in=done_or_underway.values("event"))
            .order_by("event_id", "-created_at")
        )
        latest: dict[int, Delivery] = {}
        for delivery in failed_events.select_related("event")[: RECOVER_LIMIT * 4]:
            latest.setdefault(delivery.event_id, delivery)
        now = timezone.now()
        originals = sorted(latest.values(), key=lambda d: d.created_at)[:RECOVER_LIMIT]
        replays = Delivery.objects.bulk_create(
            [Delivery(event=d.event, endpoint=endpoint, replay_of=d, next_attempt_at=now) for d in originals]
        )
        audit.record(
            action="webhook_endpoint.recovered",
            actor=by,
            partner=endpoint.partner,
            obj=endpoint,
            meta=meta,
            details={"since": iso(since), "replayed": len(replays)},
        )
        _queue(replays)
    return replays
