"""Versioned legal documents and partners' acceptances of them."""

from __future__ import annotations

import hashlib
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from legal import text
from lib.ids import new_id


def sha256_hex(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


class ImmutableDocumentError(Exception):
    """A published version's text may never change; publish a new version instead."""


class DocumentIntegrityError(Exception):
    """The stored body no longer matches the hash recorded at publication."""


class LegalDocumentQuerySet(models.QuerySet["LegalDocument"]):
    def current(self) -> LegalDocumentQuerySet:
        return self.filter(is_current=True)

    def signable(self) -> LegalDocumentQuerySet:
        return self.exclude(requirement=LegalDocument.Requirement.NONE)


class LegalDocument(models.Model):
    """One published version of an agreement or consent form. Never edited after publication."""

    class Kind(models.TextChoices):
        MNDA = "mnda", "Mutual Non-Disclosure Agreement (MNDA)"
        BAA = "baa", "HIPAA Business Associate Agreement (BAA)"
        TERMS = "terms", "Developer Portal Terms of Use"
        DATA_USE_CONSENT = "data_use_consent", "Partner Data Use Consent"
        PATIENT_AUTHORIZATION = "patient_authorization", "Patient Authorization (consent form)"

    class Requirement(models.TextChoices):
        ALWAYS = "always", "Every partner, at signup"
        PHI = "phi", "Partners that handle PHI, at signup"
        PRODUCTION = "production", "Before production access"
        NONE = "none", "Template only (not signed by partners)"

    kind = models.CharField(max_length=32, choices=Kind.choices)
    version = models.CharField(max_length=16)
    title = models.CharField(max_length=200)
    file_name = models.CharField(max_length=100)
    body = models.TextField()
    sha256 = models.CharField("SHA-256", max_length=64, editable=False)
    section_count = models.PositiveSmallIntegerField(editable=False)
    effective_date = models.DateField()
    term = models.CharField(max_length=100)
    governing_law = models.CharField(max_length=100, blank=True, default="")
    requirement = models.CharField(max_length=16, choices=Requirement.choices)
    is_current = models.BooleanField(default=False)
    published_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = LegalDocumentQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["kind", "-effective_date"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["kind", "version"], name="uniq_legal_kind_version"),
            models.UniqueConstraint(fields=["kind"], condition=Q(is_current=True), name="one_current_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            stored = LegalDocument.objects.filter(pk=self.pk).values_list("sha256", flat=True).first()
            if stored is not None and stored != sha256_hex(self.body):
                raise ImmutableDocumentError(f"{self} is published; its text cannot change. Publish a new version.")
        else:
            self.sha256 = sha256_hex(self.body)
            self.section_count = len(text.parse(self.body).sections)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def verified_body(self) -> str:
        """The body, after checking it still matches the hash recorded at publication."""
        if sha256_hex(self.body) != self.sha256:
            raise DocumentIntegrityError(f"{self} failed its integrity check (stored SHA-256 {self.sha256[:12]}…)")
        return self.body

    def parsed(self) -> text.ParsedDocument:
        return text.parse(self.verified_body())

    @property
    def slug(self) -> str:
        return self.kind.replace("_", "-")

    @property
    def pdf_file_name(self) -> str:
        return self.file_name.removesuffix(".txt") + ".pdf"


def new_acceptance_id() -> str:
    return new_id("acc_")


class AcceptanceQuerySet(models.QuerySet["Acceptance"]):
    def for_partner(self, partner: models.Model) -> AcceptanceQuerySet:
        return self.filter(partner=partner)


class Acceptance(models.Model):
    """A partner's electronic signature of one document version."""

    public_id = models.CharField(max_length=32, unique=True, default=new_acceptance_id, editable=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="acceptances")
    document = models.ForeignKey(LegalDocument, on_delete=models.PROTECT, related_name="acceptances")
    document_sha256 = models.CharField("document SHA-256", max_length=64)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signer_name = models.CharField(max_length=150)
    signer_title = models.CharField(max_length=150)
    accepted_at = models.DateTimeField(default=timezone.now)
    # Null when the signature was recorded without an HTTP request (seed data, a command).
    ip = models.GenericIPAddressField("IP address", null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True, default="")
    # Filled in together when a staff member counter-signs; null until then.
    countersigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    countersigner_name = models.CharField(max_length=150, blank=True, default="")
    countersigner_title = models.CharField(max_length=150, blank=True, default="")
    countersigned_at = models.DateTimeField(null=True, blank=True)

    objects = AcceptanceQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-accepted_at"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["partner", "document"], name="uniq_acceptance_partner_document"),
        ]

    def __str__(self) -> str:
        return f"{self.document} accepted by {self.signer_name} for {self.partner_id}"

    @property
    def is_countersigned(self) -> bool:
        return self.countersigned_at is not None

    @property
    def pdf_file_name(self) -> str:
        base = self.document.file_name.removesuffix(".txt")
        return f"{base}_executed_{self.partner.gpid}.pdf"
