"""Loading the document files of :mod:`legal.catalog` into ``LegalDocument`` rows.

Written against a model class passed in, so data migrations (historical models) and
the ``publish_legal`` command share it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from legal import text
from legal.catalog import SPECS, DocumentSpec
from legal.models import sha256_hex


class TamperedDocumentFile(Exception):
    """A published version's file no longer matches the text that was published."""


def publish(model: Any, specs: Iterable[DocumentSpec] = SPECS) -> list[Any]:
    """Create rows for versions not yet published and mark the newest of each kind
    current. Returns the rows created. Refuses if a published file was edited."""
    specs = list(specs)
    created = []
    for spec in specs:
        body = spec.path.read_text(encoding="utf-8")
        digest = sha256_hex(body)
        existing = model.objects.filter(kind=spec.kind, version=spec.version).first()
        if existing is not None:
            if existing.sha256 != digest:
                raise TamperedDocumentFile(
                    f"{spec.file_name} differs from the published {spec.kind} v{spec.version} "
                    f"(published SHA-256 {existing.sha256[:12]}…, file {digest[:12]}…). "
                    "Published versions never change: add a new version instead."
                )
            continue
        created.append(
            model.objects.create(
                kind=spec.kind,
                version=spec.version,
                title=spec.title,
                file_name=spec.file_name,
                body=body,
                sha256=digest,
                section_count=len(text.parse(body).sections),
                effective_date=spec.effective_date,
                term=spec.term,
                governing_law=spec.governing_law,
                requirement=spec.requirement,
            )
        )
    for kind in {s.kind for s in specs}:
        newest = max((s for s in specs if s.kind == kind), key=lambda s: (s.effective_date, s.version))
        model.objects.filter(kind=kind, is_current=True).exclude(version=newest.version).update(is_current=False)
        model.objects.filter(kind=kind, version=newest.version).update(is_current=True)
    return created
