"""Public pages, the health endpoint and the error pages."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from partners.context import current_membership
from partners.models import Membership
from partners.permissions import Action, can
from partners.types import PARTNER_TYPES
from portal import content, health, sdks
from portal.dashboard import next_steps
from sandbox import outcome
from scopes import catalog as scopes
from webhooks.catalog import EVENT_TYPES

# FHIR issue types for the statuses Django itself may answer under /fhir.
FHIR_CODES = {400: "invalid", 403: "forbidden", 404: "not-found"}
# Paths whose clients are programs: errors there are JSON ``{"detail", "code"}``.
API_PREFIXES = ("/api/", "/cms/", "/cms-ecosystem/", "/webhooks", "/oauth/")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/home.html",
        {
            "content": content,
            "home_scopes": scopes.home_page_scopes(),
            "event_types": [e for e in EVENT_TYPES if e.from_seed],
            "partner_types": PARTNER_TYPES,
        },
    )


@require_GET
def scope_reference(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    category = request.GET.get("category", "")
    if category not in scopes.CATEGORIES_BY_SLUG:
        category = ""
    found = scopes.search(query, category)
    return render(
        request,
        "portal/scopes.html",
        {
            "groups": scopes.grouped(found),
            "found": len(found),
            "stats": scopes.stats(),
            "categories": scopes.CATEGORIES_BY_SLUG.values(),
            "query": query,
            "category": category,
        },
    )


@require_GET
def sdk_catalog(request: HttpRequest) -> HttpResponse:
    language = request.GET.get("language", "")
    if language not in sdks.LANGUAGES:
        language = ""
    groups = sdks.grouped(language)
    return render(
        request,
        "portal/sdks.html",
        {
            "groups": groups,
            "found": sum(len(g.sdks) for g in groups),
            "languages": sdks.LANGUAGES.items(),
            "language": language,
        },
    )


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = health.run_checks()
    healthy = all(c.up for c in checks)
    body = {
        "status": "ok" if healthy else "unavailable",
        "checks": {c.name: c.as_json() for c in checks},
        "worker": health.worker(),
    }
    return JsonResponse(body, status=200 if healthy else 503)


@never_cache
@require_GET
def status_page(request: HttpRequest) -> HttpResponse:
    checks = health.run_checks()
    return render(
        request,
        "portal/status.html",
        {"checks": checks, "healthy": all(c.up for c in checks), "worker": health.worker(), "sla": content.SLA},
        status=200 if all(c.up for c in checks) else 503,
    )


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    memberships = Membership.objects.filter(user=user).select_related("partner").order_by("partner__gpid")
    current = current_membership(request)
    context: dict[str, object] = {"memberships": memberships, "current": current}
    if current is not None:
        partner = current.partner
        context.update(
            partner=partner,
            history=partner.status_changes.select_related("changed_by")[:20],
            next_steps=next_steps(user=user, membership=current),
            can_edit_application=can(current.role, Action.MANAGE_TEAM),
        )
    return render(request, "portal/dashboard.html", context)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIXES)


def _error(request: HttpRequest, status: int, code: str, detail: str, title: str) -> HttpResponse:
    if request.path.startswith("/fhir/"):
        return outcome.response(status, [outcome.Problem("error", FHIR_CODES.get(status, "exception"), detail)])
    if _is_api(request):
        return JsonResponse({"detail": detail, "code": code}, status=status)
    return render(request, "error.html", {"status": status, "title": title, "detail": detail}, status=status)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, "not_found", "Not found.", "Page not found")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request, 403, "permission_denied", "You do not have permission to perform this action.", "Access denied"
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400, "bad_request", "The request could not be understood.", "Bad request")


def server_error(request: HttpRequest) -> HttpResponse:
    detail = "Something went wrong on our side. The error has been logged; please try again."
    if request.path.startswith("/fhir/"):
        return outcome.response(500, [outcome.Problem("fatal", "exception", detail)])
    if _is_api(request):
        return JsonResponse({"detail": detail, "code": "server_error"}, status=500)
    # No template context processors here: the failure may be in one of them.
    return render(request, "500.html", status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error(
        request,
        403,
        "csrf_failed",
        "Your form session expired or the request did not come from this site. Reload the page and try again.",
        "Form expired",
    )
