"""PDFs of legal documents (WeasyPrint), rendered once and kept in file storage.

Cache keys contain the document's SHA-256, so a cached file can only ever belong to
the exact text it was rendered from; executed copies also carry the acceptance id and
whether it was counter-signed.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string

from legal.models import Acceptance, LegalDocument

logger = logging.getLogger(__name__)


class PdfRenderError(Exception):
    pass


def cache_key(document: LegalDocument, acceptance: Acceptance | None = None) -> str:
    if acceptance is None:
        return f"legal/pdf/{document.sha256}/template.pdf"
    state = "countersigned" if acceptance.is_countersigned else "signed"
    return f"legal/pdf/{document.sha256}/{acceptance.public_id}-{state}.pdf"


def render(document: LegalDocument, acceptance: Acceptance | None = None) -> bytes:
    """Render the PDF bytes (no caching). Raises :class:`PdfRenderError`."""
    from weasyprint import HTML

    html = render_to_string(
        "legal/pdf/document.html",
        {"document": document, "parsed": document.parsed(), "acceptance": acceptance, "site_url": settings.SITE_URL},
    )
    try:
        pdf: bytes = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
    except Exception as exc:
        logger.exception("PDF rendering failed", extra={"document": str(document)})
        raise PdfRenderError(f"Could not render {document}: {exc}") from exc
    return pdf


def cached(document: LegalDocument, acceptance: Acceptance | None = None) -> str:
    """Storage name of the PDF, rendering it on first use."""
    name = cache_key(document, acceptance)
    if default_storage.exists(name):
        return name
    saved = default_storage.save(name, ContentFile(render(document, acceptance)))
    if saved != name:  # a concurrent request stored the same file first: keep theirs
        default_storage.delete(saved)
    return name
