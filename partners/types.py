"""Partner types and the scope categories each may request (staff can adjust a partner later).

The seed portal names "Partner Types" without listing them; this catalog is ours.
Every type gets the partner-management scopes (cms.partner.*) and the CMS & Partners
category (pipeline metrics, SDK catalog); the rest follows what the type does.
"""

from __future__ import annotations

from dataclasses import dataclass

from partners.models import Partner

BASELINE = ("cms-partners", "partner-management")


@dataclass(frozen=True)
class PartnerTypeDef:
    code: str
    name: str
    description: str
    categories: tuple[str, ...]  # scope category slugs, besides the baseline

    @property
    def allowance(self) -> tuple[str, ...]:
        return self.categories + BASELINE


PARTNER_TYPES: tuple[PartnerTypeDef, ...] = (
    PartnerTypeDef(
        Partner.Type.PAYER,
        "Payer (MA / Medicaid / CHIP / QHP)",
        "Health plans implementing the CMS-0057-F Patient Access, Provider Access, Payer-to-Payer and "
        "Prior Authorization APIs.",
        ("fhir-platform", "smart-on-fhir", "system-bulk", "identity-gpid"),
    ),
    PartnerTypeDef(
        Partner.Type.PROVIDER,
        "Provider organization / health system",
        "Hospitals, clinics and practices reading attributed patients' data and exchanging clinical records.",
        ("fhir-platform", "smart-on-fhir", "system-bulk", "identity-gpid"),
    ),
    PartnerTypeDef(
        Partner.Type.HEALTH_IT,
        "EHR or health IT vendor",
        "EHR, practice-management and integration platforms that embed SMART apps and move data for customers.",
        ("fhir-platform", "smart-on-fhir", "system-bulk", "identity-gpid"),
    ),
    PartnerTypeDef(
        Partner.Type.PATIENT_APP,
        "Patient-facing app developer",
        "Consumer apps that patients authorize to read their claims and clinical data (Blue Button style).",
        ("smart-on-fhir", "fhir-platform"),
    ),
    PartnerTypeDef(
        Partner.Type.LABORATORY,
        "Laboratory / diagnostics",
        "Labs and diagnostic services sending results and reading orders.",
        ("fhir-platform", "identity-gpid"),
    ),
    PartnerTypeDef(
        Partner.Type.WEARABLES,
        "Wearables / device vendor",
        "Device and remote-monitoring vendors ingesting telemetry as FHIR Observations.",
        ("prime-wearables", "fhir-platform"),
    ),
    PartnerTypeDef(
        Partner.Type.CLEARINGHOUSE,
        "Clearinghouse / revenue-cycle",
        "Eligibility, claim status and claim submission on behalf of providers.",
        ("velocity-rcm", "fhir-platform"),
    ),
    PartnerTypeDef(
        Partner.Type.HIE,
        "HIE / QHIN participant",
        "Health information exchanges and TEFCA participants doing patient discovery and document query.",
        ("tefca-exchange", "fhir-platform", "identity-gpid", "system-bulk"),
    ),
    PartnerTypeDef(
        Partner.Type.RESEARCH,
        "Research / analytics",
        "Analytics and research organizations running population queries on de-identified or consented data.",
        ("horizon-analytics", "system-bulk", "fhir-platform"),
    ),
)

TYPES_BY_CODE: dict[str, PartnerTypeDef] = {t.code: t for t in PARTNER_TYPES}
