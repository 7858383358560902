"""Signing, counter-signing and publishing legal documents; which ones a partner still owes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit import services as audit
from legal import loader, tasks
from legal.catalog import SPECS, DocumentSpec
from legal.models import Acceptance, LegalDocument, LegalDocumentQuerySet
from lib.errors import Refused
from lib.request_context import RequestMeta
from lib.tasks import queue_after_commit
from partners.models import Partner
from partners.permissions import Action, require, require_staff

if TYPE_CHECKING:
    from django.db.migrations.state import StateApps

# The API error code for production credentials requested while agreements are owed.
AGREEMENTS_REQUIRED_CODE = "legal_acceptance_required"
COUNTERSIGN_PERMISSION = "legal.change_acceptance"


class AgreementsOutstanding(Refused):
    """The partner must sign the current versions of these documents first."""

    status_code = 403
    code = AGREEMENTS_REQUIRED_CODE
    field = "environment"

    def __init__(self, documents: list[LegalDocument]) -> None:
        self.documents = documents
        names = ", ".join(f"{d.title} v{d.version}" for d in documents)
        super().__init__(f"Sign the current version of: {names}. Sandbox access is not affected.")

    def extra(self) -> dict[str, Any]:
        return {
            "documents": [
                {"kind": d.kind, "version": d.version, "title": d.title, "url": f"/legal/{d.slug}/{d.version}/"}
                for d in self.documents
            ]
        }


def required_for(*, handles_phi: bool, for_production: bool) -> LegalDocumentQuerySet:
    """The current documents an organization signs: at signup (``for_production`` False)
    every partner's, plus the BAA when it handles PHI; before production, the rest."""
    requirements = [LegalDocument.Requirement.ALWAYS]
    if handles_phi:
        requirements.append(LegalDocument.Requirement.PHI)
    if for_production:
        requirements.append(LegalDocument.Requirement.PRODUCTION)
    return LegalDocument.objects.current().filter(requirement__in=requirements).order_by("published_at", "pk")


def required_documents(partner: Partner, *, for_production: bool) -> LegalDocumentQuerySet:
    return required_for(handles_phi=partner.handles_phi, for_production=for_production)


def outstanding_documents(partner: Partner, *, for_production: bool = True) -> list[LegalDocument]:
    """Current versions the partner must sign and has not (a new version counts as unsigned)."""
    signed = Acceptance.objects.for_partner(partner).values("document_id")
    owed = required_documents(partner, for_production=for_production).exclude(pk__in=signed)
    return list(owed.order_by("published_at", "pk"))


def ensure_production_agreements(partner: Partner) -> None:
    """Raise :class:`AgreementsOutstanding` unless every production agreement is signed."""
    owed = outstanding_documents(partner, for_production=True)
    if owed:
        raise AgreementsOutstanding(owed)


def accept_document(
    *,
    partner: Partner,
    document: LegalDocument,
    signer: User,
    signer_name: str,
    signer_title: str,
    meta: RequestMeta | None = None,
) -> Acceptance:
    """Record the partner's e-signature of ``document``. Signing the same version again
    returns the existing acceptance unchanged."""
    require(
        partner=partner,
        user=signer,
        action=Action.SIGN_AGREEMENTS,
        message="Only an owner or admin of the organization can sign agreements.",
    )
    if not document.is_current:
        raise ValidationError(f"{document.title} v{document.version} is no longer current; sign the current version.")
    if document.requirement == LegalDocument.Requirement.NONE:
        raise ValidationError(f"{document.title} is a template for patients and is not signed by partners.")
    signer_name, signer_title = signer_name.strip(), signer_title.strip()
    if not signer_name or not signer_title:
        raise ValidationError("Type your full name and your title to sign.")
    document.verified_body()  # never record a signature of a text that failed its integrity check
    meta = meta or RequestMeta.system()
    try:
        with transaction.atomic():
            acceptance = Acceptance.objects.create(
                partner=partner,
                document=document,
                document_sha256=document.sha256,
                signer=signer,
                signer_name=signer_name,
                signer_title=signer_title,
                ip=meta.ip,
                user_agent=meta.user_agent,
            )
            audit.record(
                action="legal.accepted",
                actor=signer,
                partner=partner,
                obj=acceptance,
                meta=meta,
                details={"document": document.kind, "version": document.version, "sha256": document.sha256},
            )
            queue_after_commit(tasks.render_acceptance_pdf, acceptance.pk)
    except IntegrityError:
        # Signed already (possibly by a concurrent request): idempotent.
        return Acceptance.objects.get(partner=partner, document=document)
    return acceptance


def countersign(*, acceptance: Acceptance, by: User, meta: RequestMeta | None = None) -> Acceptance:
    """Staff counter-signature on behalf of the Program. Idempotent."""
    require_staff(by, COUNTERSIGN_PERMISSION, "Only staff allowed to change acceptances can counter-sign.")
    with transaction.atomic():
        acceptance = Acceptance.objects.select_for_update().select_related("document", "partner").get(pk=acceptance.pk)
        if acceptance.is_countersigned:
            return acceptance
        acceptance.countersigned_by = by
        acceptance.countersigner_name = by.get_full_name() or by.email or by.get_username()
        acceptance.countersigner_title = "Authorized representative, CMS Health Tech Ecosystem Program"
        acceptance.countersigned_at = timezone.now()
        acceptance.save(
            update_fields=["countersigned_by", "countersigner_name", "countersigner_title", "countersigned_at"]
        )
        audit.record(
            action="legal.countersigned",
            actor=by,
            partner=acceptance.partner,
            obj=acceptance,
            meta=meta,
            details={"document": acceptance.document.kind, "version": acceptance.document.version},
        )
        queue_after_commit(tasks.render_acceptance_pdf, acceptance.pk)
    return acceptance


def publish_documents(
    *, by: User | None = None, specs: Iterable[DocumentSpec] = SPECS, apps: StateApps | None = None
) -> list[Any]:
    """Publish catalog versions not yet in the database; audit each new version. The one
    path for the data migrations (which pass their ``apps``, so the historical models are
    used), ``publish_legal``, ``seed_demo`` and tests."""
    model = apps.get_model("legal", "LegalDocument") if apps is not None else LegalDocument
    audit_model = apps.get_model("audit", "AuditEvent") if apps is not None else None
    with transaction.atomic():
        created: list[Any] = loader.publish(model, specs)
        for document in created:
            audit.record(
                action="legal.published",
                actor=by,
                obj=document,
                details={"document": document.kind, "version": document.version, "sha256": document.sha256},
                model=audit_model,
            )
    return created
