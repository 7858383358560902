from __future__ import annotations

from celery import shared_task

from legal import pdf
from legal.models import Acceptance

RETRY_DELAYS = (10, 60, 300)


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=len(RETRY_DELAYS))
def render_acceptance_pdf(self, acceptance_id: int) -> None:  # type: ignore[no-untyped-def]
    """Pre-render the executed PDF after signing/counter-signing so downloads are instant."""
    acceptance = Acceptance.objects.select_related("document", "partner").filter(pk=acceptance_id).first()
    if acceptance is None:
        return
    try:
        pdf.cached(acceptance.document, acceptance)
    except pdf.PdfRenderError as exc:
        raise self.retry(exc=exc, countdown=RETRY_DELAYS[min(self.request.retries, len(RETRY_DELAYS) - 1)]) from exc
