"""Writing resources: the stored bytes, the version row and the search index rows, always
together. Bulk loading for the synthetic lake; one-by-one writes for partners' partitions
(their services live in :mod:`sandbox.services`)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from django.db import transaction
from django.utils import timezone

from sandbox.models import DateIndex, ReferenceIndex, Resource, ResourceVersion, StringIndex, TokenIndex
from sandbox.search.extract import compartment_patient, index_values, parse_reference

BATCH = 1000


def instant(moment: datetime) -> str:
    """meta.lastUpdated: an instant with milliseconds and Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def serialize(resource: dict[str, Any]) -> str:
    return json.dumps(resource, ensure_ascii=False, separators=(",", ":"))


def stamped(resource: dict[str, Any], version: int, moment: datetime) -> dict[str, Any]:
    """The resource with meta.versionId and meta.lastUpdated set (meta keeps its other keys, first)."""
    meta = {k: v for k, v in (resource.get("meta") or {}).items() if k not in ("versionId", "lastUpdated")}
    stamped_meta = {"versionId": str(version), "lastUpdated": instant(moment), **meta}
    out = {"resourceType": resource["resourceType"], "id": resource["id"], "meta": stamped_meta}
    out.update((k, v) for k, v in resource.items() if k not in ("resourceType", "id", "meta"))
    return out


@dataclass
class Prepared:
    row: Resource
    index: Any
    method: str = "POST"


def prepare(
    resource: dict[str, Any],
    *,
    partner_id: int | None,
    version: int = 1,
    moment: datetime | None = None,
    patient_hint: dict[str, str] | None = None,
) -> Prepared:
    moment = moment or timezone.now()
    content = stamped(resource, version, moment)
    patient = compartment_patient(content)
    if not patient and content["resourceType"] == "Provenance" and patient_hint is not None:
        patient = _provenance_patient(content, patient_hint)
    row = Resource(
        partner_id=partner_id,
        resource_type=content["resourceType"],
        logical_id=content["id"],
        version_id=version,
        last_updated=moment,
        patient=patient,
        content=content,
        body=serialize(content),
    )
    return Prepared(row=row, index=index_values(content))


def _provenance_patient(provenance: dict[str, Any], known: dict[str, str]) -> str:
    """A Provenance belongs to the compartment of what it is about."""
    for target in provenance.get("target") or []:
        parsed = parse_reference(target.get("reference", "")) if isinstance(target, dict) else None
        if parsed is not None and (patient := known.get(f"{parsed[0]}/{parsed[1]}")):
            return patient
    return ""


def index_rows(
    prepared: list[Prepared],
) -> tuple[list[TokenIndex], list[StringIndex], list[DateIndex], list[ReferenceIndex]]:
    tokens: list[TokenIndex] = []
    strings: list[StringIndex] = []
    dates: list[DateIndex] = []
    refs: list[ReferenceIndex] = []
    for p in prepared:
        rid, rtype = p.row.pk, p.row.resource_type
        tokens.extend(
            TokenIndex(resource_id=rid, resource_type=rtype, param=n, system=s, code=c) for n, s, c in p.index.tokens
        )
        strings.extend(StringIndex(resource_id=rid, resource_type=rtype, param=n, value=v) for n, v in p.index.strings)
        dates.extend(
            DateIndex(resource_id=rid, resource_type=rtype, param=n, low=lo, high=hi) for n, lo, hi in p.index.dates
        )
        refs.extend(
            ReferenceIndex(resource_id=rid, resource_type=rtype, param=n, target_type=t, target_id=i)
            for n, t, i in p.index.references
        )
    return tokens, strings, dates, refs


def save_index(prepared: list[Prepared]) -> None:
    tokens, strings, dates, refs = index_rows(prepared)
    TokenIndex.objects.bulk_create(tokens, batch_size=BATCH)
    StringIndex.objects.bulk_create(strings, batch_size=BATCH)
    DateIndex.objects.bulk_create(dates, batch_size=BATCH)
    ReferenceIndex.objects.bulk_create(refs, batch_size=BATCH)


def drop_index(resource_ids: list[int]) -> None:
    for model in (TokenIndex, StringIndex, DateIndex, ReferenceIndex):
        model.objects.filter(resource_id__in=resource_ids).delete()


def _batches(items: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def load_lake(resources: Iterable[dict[str, Any]], *, replace: bool = True) -> int:
    """Load the shared synthetic lake: every resource as version 1, indexed. ``replace``
    empties the lake first (partners' partitions are left alone). Returns the count."""
    moment = timezone.now()
    count = 0
    patients: dict[str, str] = {}
    with transaction.atomic():
        if replace:
            lake = Resource.objects.filter(partner__isnull=True)
            drop_index(list(lake.values_list("pk", flat=True)))
            ResourceVersion.objects.filter(resource__partner__isnull=True).delete()
            lake.delete()
        for batch in _batches(resources, BATCH):
            prepared = []
            for resource in batch:
                p = prepare(resource, partner_id=None, moment=moment, patient_hint=patients)
                if p.row.patient:
                    patients[p.row.reference] = p.row.patient
                prepared.append(p)
            Resource.objects.bulk_create([p.row for p in prepared], batch_size=BATCH)
            ResourceVersion.objects.bulk_create(
                [
                    ResourceVersion(resource_id=p.row.pk, version_id=1, last_updated=moment, body=p.row.body)
                    for p in prepared
                ],
                batch_size=BATCH,
            )
            save_index(prepared)
            count += len(prepared)
    return count
