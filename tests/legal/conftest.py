from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from legal import services
from legal.catalog import SPECS
from legal.models import LegalDocument
from tests.conftest import _unavailable


@pytest.fixture(autouse=True)
def _pdf_cache_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def pdftotext(pdf: bytes, tmp_path: Path) -> str:
    if not shutil.which("pdftotext"):
        _unavailable("pdftotext (apt-get install poppler-utils)", settings.REQUIRE_SERVICES)
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        [shutil.which("pdftotext") or "pdftotext", "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def pdf_bytes(response: Any) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def mnda(db: None) -> LegalDocument:
    return LegalDocument.objects.current().get(kind="mnda")


@pytest.fixture
def baa(db: None) -> LegalDocument:
    return LegalDocument.objects.current().get(kind="baa")


@pytest.fixture
def publish_new_mnda(tmp_path: Path) -> Any:
    """Publish an MNDA v2026-09 from a temporary file, as a release would."""

    def publish() -> LegalDocument:
        old = next(s for s in SPECS if s.kind == "mnda")
        body = (
            old.path.read_text()
            .replace("Version 2026-03", "Version 2026-09")
            .replace("Effective March 1, 2026", "Effective September 1, 2026")
        )
        new_file = tmp_path / "cms_mnda_v2026_09.txt"
        new_file.write_text(body)
        spec = replace(
            old, version="2026-09", file_name=new_file.name, effective_date=date(2026, 9, 1), directory=tmp_path
        )
        services.publish_documents(specs=[old, spec])
        return LegalDocument.objects.get(kind="mnda", version="2026-09")

    return publish
