from __future__ import annotations

from typing import TypeVar

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from lib.admin import staff_user
from lib.errors import message_of
from lib.request_context import RequestMeta
from webhooks import services
from webhooks.models import Delivery, DeliveryAttempt, Endpoint, Event

M = TypeVar("M", Event, Endpoint, Delivery)


class ReadOnlyAdmin(admin.ModelAdmin[M]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin[Event]):
    list_display = ("public_id", "type", "environment", "partner", "created_at")
    list_filter = ("type", "environment")
    search_fields = ("public_id", "partner__gpid", "partner__legal_name")
    readonly_fields = ("public_id", "partner", "environment", "type", "body", "created_at")
    list_select_related = ("partner",)


@admin.register(Endpoint)
class EndpointAdmin(ReadOnlyAdmin[Endpoint]):
    list_display = ("url", "partner", "environment", "status", "disabled_reason", "failing_since", "created_at")
    list_filter = ("status", "environment", "disabled_reason")
    search_fields = ("public_id", "url", "partner__gpid", "partner__legal_name")
    readonly_fields = (
        "public_id",
        "partner",
        "environment",
        "url",
        "description",
        "event_types",
        "secret_hint",
        "previous_secret_expires_at",
        "status",
        "disabled_reason",
        "disabled_at",
        "failing_since",
        "created_by",
        "created_at",
        "updated_at",
    )
    list_select_related = ("partner",)
    actions = ("disable_selected",)

    def has_disable_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("webhooks.change_endpoint")

    @admin.action(description="Disable selected endpoints", permissions=["disable"])
    def disable_selected(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        meta, staff = RequestMeta.of(request), staff_user(request)
        done = sum(
            services.disable_endpoint(endpoint=e, reason=Endpoint.DisabledReason.STAFF, by=staff, meta=meta)
            for e in queryset.select_related("partner")
        )
        self.message_user(request, f"{done} endpoint(s) disabled.", messages.SUCCESS)


class AttemptInline(admin.TabularInline[DeliveryAttempt, Delivery]):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ("number", "started_at", "status_code", "latency_ms", "error", "address", "response_body")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin[Delivery]):
    list_display = ("public_id", "event", "endpoint", "status", "attempt_count", "last_status_code", "created_at")
    list_filter = ("status", "event__type")
    search_fields = ("public_id", "event__public_id", "endpoint__url", "endpoint__partner__gpid")
    readonly_fields = (
        "public_id",
        "event",
        "endpoint",
        "replay_of",
        "status",
        "attempt_count",
        "next_attempt_at",
        "last_status_code",
        "last_error",
        "created_at",
        "completed_at",
    )
    list_select_related = ("event", "endpoint")
    inlines = (AttemptInline,)
    actions = ("replay_selected",)

    def has_replay_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("webhooks.change_delivery")

    @admin.action(description="Replay selected deliveries (same webhook-id)", permissions=["replay"])
    def replay_selected(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        meta, staff = RequestMeta.of(request), staff_user(request)
        replayed = 0
        for delivery in queryset.select_related("event", "endpoint", "endpoint__partner"):
            try:
                services.replay_delivery(delivery=delivery, by=staff, meta=meta)
            except ValidationError as exc:
                self.message_user(request, f"{delivery.public_id}: {message_of(exc)}", messages.WARNING)
            else:
                replayed += 1
        self.message_user(request, f"{replayed} deliveries queued again.", messages.SUCCESS)
