"""Dashboard pages for webhooks: endpoints, secrets (shown once), tests, the delivery
log, replay and recovery. Each page calls the same services as the API."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from lib import once
from lib.errors import Refused, message_of
from lib.request_context import RequestMeta
from partners.context import partner_view
from partners.models import Membership
from partners.permissions import Action, can
from webhooks import services, snippets
from webhooks.catalog import EVENT_TYPES
from webhooks.forms import DeliveryFilterForm, EndpointForm, NewEndpointForm, RecoverForm
from webhooks.models import Delivery, Endpoint
from webhooks.presenters import delivery_detail as present_delivery

PAGE_SIZE = 25


def _endpoint(membership: Membership, endpoint_id: str) -> Endpoint:
    return get_object_or_404(Endpoint.objects.filter(partner=membership.partner), public_id=endpoint_id)


def _show_secret_once(request: HttpRequest, created: services.NewSecret, rotated: bool) -> None:
    endpoint = created.endpoint
    until = f"{endpoint.previous_secret_expires_at:%Y-%m-%d %H:%M}" if endpoint.previous_secret_expires_at else ""
    once.keep(
        request,
        page=f"endpoint:{endpoint.public_id}",
        title="New signing secret." if rotated else "Endpoint added.",
        what="signing secret",
        secret=created.secret,
        note=f"The previous secret keeps signing beside it until {until} UTC." if rotated else "",
    )


@never_cache
@require_http_methods(["GET", "POST"])
@partner_view(Action.VIEW)
def endpoint_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    partner = membership.partner
    manage = can(membership.role, Action.MANAGE_WEBHOOKS)
    form = NewEndpointForm(request.POST or None)
    if request.method == "POST" and not manage:
        raise PermissionDenied("Your role cannot manage webhooks.")
    if request.method == "POST" and form.is_valid():
        try:
            created = services.create_endpoint(
                partner=partner,
                url=form.cleaned_data["url"],
                description=form.cleaned_data["description"],
                event_types=form.cleaned_data["events"],
                environment=form.cleaned_data["environment"],
                by=membership.user,
                meta=RequestMeta.of(request),
            )
        except (ValidationError, Refused) as exc:
            form.attach(exc)
        else:
            _show_secret_once(request, created, rotated=False)
            return redirect("webhooks:detail", created.endpoint.public_id)
    since = timezone.now() - timedelta(hours=24)
    endpoints = Endpoint.objects.filter(partner=partner).annotate(
        delivered_24h=Count(
            "deliveries", filter=Q(deliveries__status=Delivery.Status.SUCCEEDED, deliveries__created_at__gte=since)
        ),
        failed_24h=Count(
            "deliveries", filter=Q(deliveries__status=Delivery.Status.FAILED, deliveries__created_at__gte=since)
        ),
        pending=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.PENDING)),
    )
    return render(
        request,
        "webhooks/list.html",
        {
            "partner": partner,
            "endpoints": endpoints,
            "form": form,
            "manage": manage,
            "limit": services.MAX_ENDPOINTS,
            "event_types": EVENT_TYPES,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@partner_view(Action.VIEW)
def endpoint_detail(request: HttpRequest, membership: Membership, endpoint_id: str) -> HttpResponse:
    endpoint = _endpoint(membership, endpoint_id)
    manage = can(membership.role, Action.MANAGE_WEBHOOKS)
    initial = {"url": endpoint.url, "description": endpoint.description, "events": endpoint.event_types}
    form = EndpointForm(request.POST or None, initial=initial, environment=endpoint.environment)
    if request.method == "POST" and not manage:
        raise PermissionDenied("Your role cannot manage webhooks.")
    if request.method == "POST" and form.is_valid():
        try:
            services.update_endpoint(
                endpoint=endpoint,
                url=form.cleaned_data["url"],
                description=form.cleaned_data["description"],
                event_types=form.cleaned_data["events"],
                by=membership.user,
                meta=RequestMeta.of(request),
            )
        except (ValidationError, Refused) as exc:
            form.attach(exc)
        else:
            messages.success(request, "Endpoint saved.")
            return redirect("webhooks:detail", endpoint.public_id)
    filters = DeliveryFilterForm(request.GET or None)
    deliveries = endpoint.deliveries.select_related("event", "replay_of")
    if filters.is_valid():
        if filters.cleaned_data["status"]:
            deliveries = deliveries.filter(status=filters.cleaned_data["status"])
        if filters.cleaned_data["event_type"]:
            deliveries = deliveries.filter(event__type=filters.cleaned_data["event_type"])
    page = Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "webhooks/detail.html",
        {
            "endpoint": endpoint,
            "partner": membership.partner,
            "form": form,
            "filters": filters,
            "page": page,
            "query": _query_without_page(request),
            "recover_form": RecoverForm(),
            "shown": once.take(request, page=f"endpoint:{endpoint.public_id}"),
            "manage": manage,
            "snippets": snippets.for_endpoint(endpoint),
        },
    )


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_http_methods(["GET", "POST"])
@partner_view(Action.MANAGE_WEBHOOKS)
def endpoint_rotate(request: HttpRequest, membership: Membership, endpoint_id: str) -> HttpResponse:
    endpoint = _endpoint(membership, endpoint_id)
    if request.method == "GET":
        return render(request, "webhooks/rotate_confirm.html", {"endpoint": endpoint})
    rotated = services.rotate_secret(endpoint=endpoint, by=membership.user, meta=RequestMeta.of(request))
    _show_secret_once(request, rotated, rotated=True)
    return redirect("webhooks:detail", endpoint.public_id)


@require_http_methods(["GET", "POST"])
@partner_view(Action.MANAGE_WEBHOOKS)
def endpoint_disable(request: HttpRequest, membership: Membership, endpoint_id: str) -> HttpResponse:
    endpoint = _endpoint(membership, endpoint_id)
    if request.method == "GET":
        return render(request, "webhooks/disable_confirm.html", {"endpoint": endpoint})
    services.disable_endpoint(
        endpoint=endpoint, reason=Endpoint.DisabledReason.USER, by=membership.user, meta=RequestMeta.of(request)
    )
    messages.success(request, "Endpoint disabled: nothing more is sent to it until you enable it.")
    return redirect("webhooks:detail", endpoint.public_id)


@require_POST
@partner_view(Action.MANAGE_WEBHOOKS)
def endpoint_enable(request: HttpRequest, membership: Membership, endpoint_id: str) -> HttpResponse:
    endpoint = _endpoint(membership, endpoint_id)
    services.update_endpoint(endpoint=endpoint, active=True, by=membership.user, meta=RequestMeta.of(request))
    messages.success(request, "Endpoint enabled. Use “Recover failed deliveries” to send what it missed.")
    return redirect("webhooks:detail", endpoint.public_id)


@require_http_methods(["GET", "POST"])
@partner_view(Action.MANAGE_WEBHOOKS)
def endpoint_delete(request: HttpRequest, membership: Membership, endpoint_id: str) -> HttpResponse:
    endpoint = _endpoint(membership, endpoint_id)
    if request.method == "GET":
        return render(request, "webhooks/delete_confirm.html", {"endpoint": endpoint})
    services.delete_endpoint(endpoint=endpoint, by=membership.user, meta=RequestMeta.of(request))
    messages.success(request, f"Endpoint {endpoint.url} deleted.")
    return redirect("webhooks:list")


@require_POST
@partner_view(Action.MANAGE_WEBHOOKS)
def endpoint_test(request: HttpRequest, membership: Membership, endpoint_id: str) -> HttpResponse:
    endpoint = _endpoint(membership, endpoint_id)
    try:
        delivery = services.send_test(endpoint=endpoint, by=membership.user, meta=RequestMeta.of(request))
    except ValidationError as exc:
        messages.error(request, message_of(exc))
        return redirect("webhooks:detail", endpoint.public_id)
    messages.success(request, "Test event queued. Its delivery appears below within seconds.")
    return redirect("webhooks:delivery", delivery.public_id)


@require_POST
@partner_view(Action.MANAGE_WEBHOOKS)
def endpoint_recover(request: HttpRequest, membership: Membership, endpoint_id: str) -> HttpResponse:
    endpoint = _endpoint(membership, endpoint_id)
    form = RecoverForm(request.POST)
    if form.is_valid():
        try:
            replays = services.recover_failed(
                endpoint=endpoint, since=form.cleaned_data["since"], by=membership.user, meta=RequestMeta.of(request)
            )
        except (ValidationError, Refused) as exc:
            form.attach(exc)
        else:
            messages.success(request, f"{len(replays)} failed deliveries queued again.")
            return redirect("webhooks:detail", endpoint.public_id)
    errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
    messages.error(request, "Nothing recovered: " + " ".join(errors))
    return redirect("webhooks:detail", endpoint.public_id)


@never_cache
@require_http_methods(["GET"])
@partner_view(Action.VIEW)
def delivery_detail(request: HttpRequest, membership: Membership, delivery_id: str) -> HttpResponse:
    delivery = get_object_or_404(
        Delivery.objects.for_partner(membership.partner).select_related("event", "endpoint", "replay_of"),
        public_id=delivery_id,
    )
    return render(
        request,
        "webhooks/delivery.html",
        {
            "delivery": delivery,
            "detail": present_delivery(delivery),
            "attempts": delivery.attempts.all(),
            "manage": can(membership.role, Action.MANAGE_WEBHOOKS),
        },
    )


@require_POST
@partner_view(Action.MANAGE_WEBHOOKS)
def delivery_replay(request: HttpRequest, membership: Membership, delivery_id: str) -> HttpResponse:
    delivery = get_object_or_404(
        Delivery.objects.for_partner(membership.partner).select_related("event", "endpoint"), public_id=delivery_id
    )
    try:
        replay = services.replay_delivery(delivery=delivery, by=membership.user, meta=RequestMeta.of(request))
    except ValidationError as exc:
        messages.error(request, message_of(exc))
        return redirect("webhooks:delivery", delivery.public_id)
    messages.success(request, "Replay queued with the same webhook-id.")
    return redirect("webhooks:delivery", replay.public_id)
