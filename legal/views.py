"""Public legal pages, downloads, and the partner's signing pages."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from legal import pdf, services
from legal.forms import SignatureForm
from legal.models import Acceptance, DocumentIntegrityError, LegalDocument
from lib.request_context import RequestMeta
from partners.context import partner_view
from partners.models import Membership
from partners.permissions import Action, can

logger = logging.getLogger(__name__)


def _kind(slug: str) -> str:
    return slug.replace("-", "_")


def _document(slug: str, version: str) -> LegalDocument:
    return get_object_or_404(LegalDocument, kind=_kind(slug), version=version)


def guarded(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Turn integrity and rendering failures into a clear page (and an error log)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except DocumentIntegrityError as exc:
            logger.error("Refused to serve a legal document: %s", exc)
            reason = "This document failed its integrity check, so we will not serve it. Our team has been alerted."
        except pdf.PdfRenderError:
            reason = "We could not produce the PDF just now. Please try again in a minute; the text version works."
        return render(request, "legal/unavailable.html", {"reason": reason}, status=503)

    return wrapper


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    documents = LegalDocument.objects.current().order_by("published_at", "pk")
    return render(request, "legal/index.html", {"documents": documents})


@require_GET
@guarded
def detail(request: HttpRequest, slug: str, version: str) -> HttpResponse:
    document = _document(slug, version)
    current = LegalDocument.objects.current().filter(kind=document.kind).first()
    return render(request, "legal/detail.html", {"document": document, "parsed": document.parsed(), "current": current})


@require_GET
@guarded
def download_txt(request: HttpRequest, slug: str, version: str) -> HttpResponse:
    document = _document(slug, version)
    response = HttpResponse(document.verified_body(), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{document.file_name}"'
    return response


def _pdf_response(name: str, filename: str) -> FileResponse:
    response = FileResponse(
        default_storage.open(name, "rb"), as_attachment=True, filename=filename, content_type="application/pdf"
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
@guarded
def download_pdf(request: HttpRequest, slug: str, version: str) -> HttpResponseBase:
    document = _document(slug, version)
    document.verified_body()
    return _pdf_response(pdf.cached(document), document.pdf_file_name)


@require_GET
@partner_view(Action.VIEW)
def dashboard(request: HttpRequest, membership: Membership) -> HttpResponse:
    partner = membership.partner
    acceptances = Acceptance.objects.for_partner(partner).select_related("document").order_by("-accepted_at")
    by_document = {a.document_id: a for a in acceptances}  # one acceptance per document and partner
    rows = [
        {"document": d, "acceptance": by_document.get(d.pk)}
        for d in LegalDocument.objects.current().signable().order_by("published_at", "pk")
    ]
    return render(
        request,
        "legal/dashboard.html",
        {
            "partner": partner,
            "rows": rows,
            "history": acceptances,
            "outstanding": services.outstanding_documents(partner),
            "can_sign": can(membership.role, Action.SIGN_AGREEMENTS),
        },
    )


@require_http_methods(["GET", "POST"])
@partner_view(Action.SIGN_AGREEMENTS)
@guarded
def sign(request: HttpRequest, membership: Membership, slug: str, version: str) -> HttpResponse:
    document = get_object_or_404(LegalDocument.objects.current().signable(), kind=_kind(slug), version=version)
    existing = Acceptance.objects.filter(partner=membership.partner, document=document).first()
    if request.method == "POST" and existing is not None:
        messages.info(request, f"{document.title} v{document.version} was already signed by {existing.signer_name}.")
        return redirect("legal:dashboard")
    form = SignatureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.accept_document(
                partner=membership.partner,
                document=document,
                signer=membership.user,
                signer_name=form.cleaned_data["signer_name"],
                signer_title=form.cleaned_data["signer_title"],
                meta=RequestMeta.of(request),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            partner_name = membership.partner.legal_name
            messages.success(request, f"{document.title} v{document.version} signed for {partner_name}.")
            return redirect("legal:dashboard")
    return render(
        request,
        "legal/sign.html",
        {
            "document": document,
            "parsed": document.parsed(),
            "form": form,
            "existing": existing,
            "partner": membership.partner,
        },
    )


@require_GET
@partner_view(Action.VIEW)
@guarded
def acceptance_pdf(request: HttpRequest, membership: Membership, public_id: str) -> HttpResponseBase:
    acceptance = get_object_or_404(
        Acceptance.objects.for_partner(membership.partner).select_related("document", "partner"), public_id=public_id
    )
    return _pdf_response(pdf.cached(acceptance.document, acceptance), acceptance.pdf_file_name)
