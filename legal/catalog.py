"""Published legal documents: one entry per version, its text in ``legal/documents/``.

To publish a new version: add the reviewed text file, add its entry here, and run
``python manage.py publish_legal`` (or ship a data migration calling the loader).
Published versions are never edited; the newest entry of a kind becomes current.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

DOCUMENTS_DIR = Path(__file__).resolve().parent / "documents"


@dataclass(frozen=True)
class DocumentSpec:
    kind: str
    version: str
    title: str
    file_name: str
    effective_date: date
    term: str
    governing_law: str  # "" where the document names none
    requirement: str  # LegalDocument.Requirement value
    directory: Path = DOCUMENTS_DIR

    @property
    def path(self) -> Path:
        return self.directory / self.file_name


SPECS: tuple[DocumentSpec, ...] = (
    DocumentSpec(
        kind="mnda",
        version="2026-03",
        title="Mutual Non-Disclosure Agreement",
        file_name="cms_mnda_v2026_03.txt",
        effective_date=date(2026, 3, 1),
        term="2 years + 3yr survival",
        governing_law="Delaware",
        requirement="always",
    ),
    DocumentSpec(
        kind="baa",
        version="2026-03",
        title="HIPAA Business Associate Agreement",
        file_name="cms_hipaa_baa_v2026_03.txt",
        effective_date=date(2026, 3, 1),
        term="Until PHI returned/destroyed",
        governing_law="45 CFR 164",
        requirement="phi",
    ),
    DocumentSpec(
        kind="terms",
        version="2026-03",
        title="Developer Portal Terms of Use",
        file_name="cms_terms_of_use_v2026_03.txt",
        effective_date=date(2026, 3, 1),
        term="While the account is active",
        governing_law="Delaware",
        requirement="always",
    ),
    DocumentSpec(
        kind="data_use_consent",
        version="2026-03",
        title="Partner Data Use Consent",
        file_name="cms_partner_data_use_consent_v2026_03.txt",
        effective_date=date(2026, 3, 1),
        term="While the partner holds credentials",
        governing_law="",
        requirement="production",
    ),
    DocumentSpec(
        kind="patient_authorization",
        version="2026-03",
        title="Patient Authorization to Share Health Data with a Third-Party App",
        file_name="cms_patient_authorization_v2026_03.txt",
        effective_date=date(2026, 3, 1),
        term="13 months or until revoked",
        governing_law="",
        requirement="none",
    ),
)
