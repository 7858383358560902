"""Partner organizations and the people who act for them."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core import signing
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class PartnerQuerySet(models.QuerySet["Partner"]):
    def approved(self) -> PartnerQuerySet:
        return self.filter(status=Partner.Status.APPROVED)

    def for_user(self, user: models.Model) -> PartnerQuerySet:
        return self.filter(memberships__user=user)

    def holding_name(self, legal_name: str, npi: str) -> PartnerQuerySet:
        """Live applications holding this legal name + NPI (rejected and released ones do not)."""
        return self.filter(legal_name__iexact=legal_name.strip(), npi=npi).filter(_HOLDS_NAME)


# Which partners keep their legal name + NPI from others: not rejected, not released by staff.
_HOLDS_NAME = ~models.Q(npi="") & ~models.Q(status="rejected") & models.Q(name_released_at__isnull=True)


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

    class DataDirection(models.TextChoices):
        INBOUND = "inbound", "Inbound (we send data to the ecosystem)"
        OUTBOUND = "outbound", "Outbound (we read data from the ecosystem)"
        BIDIRECTIONAL = "bidirectional", "Bidirectional"

    class Volume(models.TextChoices):
        LOW = "lt_10k", "Under 10,000 requests a day"
        MEDIUM = "10k_100k", "10,000 to 100,000 requests a day"
        HIGH = "100k_1m", "100,000 to 1 million requests a day"
        VERY_HIGH = "gt_1m", "Over 1 million requests a day"

    gpid = models.CharField("GPID", max_length=12, unique=True, editable=False)
    legal_name = models.CharField(max_length=200)
    partner_type = models.CharField(max_length=32, choices=Type.choices)
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.PENDING, db_index=True)
    # Whether the integration creates, receives or transmits PHI: then the BAA is required.
    handles_phi = models.BooleanField("handles PHI", default=False)

    # Organization step of the application.
    contact_name = models.CharField(max_length=150, blank=True, default="")
    contact_email = models.EmailField(blank=True, default="")
    phone = models.CharField(max_length=32, blank=True, default="")
    npi = models.CharField("NPI", max_length=10, blank=True, default="", db_index=True)
    website = models.URLField(blank=True, default="")
    # Integration step.
    use_case = models.TextField(blank=True, default="")
    requested_categories = models.JSONField(
        default=list, blank=True, help_text="Scope categories the partner asked for at signup."
    )
    allowed_categories = models.JSONField(
        default=list, blank=True, help_text="Scope categories this partner may request credentials for."
    )
    data_direction = models.CharField(max_length=16, choices=DataDirection.choices, blank=True, default="")
    expected_volume = models.CharField(max_length=32, choices=Volume.choices, blank=True, default="")
    submitted_at = models.DateTimeField(null=True, blank=True)  # null for partners created by staff
    review_message = models.TextField(blank=True, default="", help_text="The reviewer's latest message.")
    # Set when staff let another application use this legal name and NPI.
    name_released_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PartnerQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["gpid"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            # One live application per organization: the same legal name with the same NPI is a
            # duplicate, unless the earlier one was rejected or staff released the name.
            models.UniqueConstraint(
                Lower("legal_name"), "npi", condition=_HOLDS_NAME, name="uniq_live_partner_name_npi"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.legal_name} ({self.gpid})"

    @property
    def sandbox_open(self) -> bool:
        """Synthetic-data sandbox: open from submission, closed only by rejection."""
        return self.status != self.Status.REJECTED

    @property
    def can_go_to_production(self) -> bool:
        return self.status == self.Status.APPROVED


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


class PartnerStatusChange(models.Model):
    """History of a partner's review status, with who changed it and why."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=32, choices=Partner.Status.choices, blank=True, default="")
    to_status = models.CharField(max_length=32, choices=Partner.Status.choices)
    # Null for changes no person made (none today; kept explicit for system transitions).
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    message = models.TextField(blank=True, default="")
    changed_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering: ClassVar[list[str]] = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.partner.gpid}: {self.from_status or '—'} → {self.to_status}"


INVITATION_SALT = "partners.invitation"


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> InvitationQuerySet:
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """An invitation to join a partner's team, sent as a signed, expiring link."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Membership.Role.choices)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    # Null until the invitation is used or withdrawn.
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.partner.gpid} ({self.role})"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def link_token(self) -> str:
        """The signed token in the emailed link (partners.team checks it)."""
        return signing.dumps({"id": self.pk, "email": self.email}, salt=INVITATION_SALT)

    @property
    def url(self) -> str:
        return f"{settings.SITE_URL}/invitations/{self.link_token}/"
