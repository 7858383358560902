"""Partner organizations and the people who act for them."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone


class PartnerQuerySet(models.QuerySet["Partner"]):
    def approved(self) -> PartnerQuerySet:
        return self.filter(status=Partner.Status.APPROVED)

    def for_user(self, user: models.Model) -> PartnerQuerySet:
        return self.filter(memberships__user=user)


class Partner(models.Model):
    """A health-tech organization: payer, EHR vendor, app developer, lab..."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending review"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    class Type(models.TextChoices):
        PAYER = "payer", "Payer (MA / Medicaid / CHIP / QHP)"
        PROVIDER = "provider", "Provider organization / health system"
        HEALTH_IT = "health_it", "EHR or health IT vendor"
        PATIENT_APP = "patient_app", "Patient-facing app developer"
        LABORATORY = "laboratory", "Laboratory / diagnostics"
        WEARABLES = "wearables", "Wearables / device vendor"
        CLEARINGHOUSE = "clearinghouse", "Clearinghouse / revenue-cycle"
        HIE = "hie", "HIE / QHIN participant"
        RESEARCH = "research", "Research / analytics"

    gpid = models.CharField("GPID", max_length=12, unique=True, editable=False)
    legal_name = models.CharField(max_length=200)
    partner_type = models.CharField(max_length=32, choices=Type.choices)
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.PENDING, db_index=True)
    # Whether the integration creates, receives or transmits PHI: then the BAA is required.
    handles_phi = models.BooleanField("handles PHI", default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PartnerQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["gpid"]

    def __str__(self) -> str:
        return f"{self.legal_name} ({self.gpid})"


class Membership(models.Model):
    """A user acting for a partner, with one role."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ADMIN = "admin", "Admin"
        DEVELOPER = "developer", "Developer"
        VIEWER = "viewer", "Viewer"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["user", "partner"], name="uniq_membership_user_partner"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.partner.gpid} ({self.role})"


class GpidCounter(models.Model):
    """The last GPID number handed out. Allocated under a row lock inside the
    transaction that creates the partner, so a rolled-back signup returns its
    number and GPIDs stay gap-free."""

    name = models.CharField(max_length=32, primary_key=True)
    last_value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.last_value}"
