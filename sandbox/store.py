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

from django.db import connection, models, transaction
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


def _insert(model: type[models.Model], fields: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """INSERT many plain rows with one prepared statement (executemany). The index tables
    take tens of rows per resource; building a model instance for each and compiling
    bulk_create's SQL cost several times the database's own work, so they skip the ORM.
    Values must already be what the database stores (strings, ints, adapted datetimes)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    concrete = {f.name: str(f.column) for f in model._meta.concrete_fields}
    columns = ", ".join(quote(concrete[f]) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608 - names from models
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5 * BATCH):
            cursor.executemany(sql, rows[start : start + 5 * BATCH])


def save_index(prepared: list[Prepared]) -> None:
    adapt = connection.ops.adapt_datetimefield_value
    tokens: list[tuple[Any, ...]] = []
    strings: list[tuple[Any, ...]] = []
    dates: list[tuple[Any, ...]] = []
    refs: list[tuple[Any, ...]] = []
    for p in prepared:
        rid, rtype = p.row.pk, p.row.resource_type
        tokens.extend((rid, rtype, n, s, c) for n, s, c in p.index.tokens)
        strings.extend((rid, rtype, n, v) for n, v in p.index.strings)
        dates.extend((rid, rtype, n, adapt(lo), adapt(hi)) for n, lo, hi in p.index.dates)
        refs.extend((rid, rtype, n, t, i) for n, t, i in p.index.references)
    head = ("resource", "resource_type", "param")
    _insert(TokenIndex, (*head, "system", "code"), tokens)
    _insert(StringIndex, (*head, "value"), strings)
    _insert(DateIndex, (*head, "low", "high"), dates)
    _insert(ReferenceIndex, (*head, "target_type", "target_id"), refs)


def save_versions(rows: list[Resource], method: str = "POST") -> None:
    adapt = connection.ops.adapt_datetimefield_value
    _insert(
        ResourceVersion,
        ("resource", "version_id", "last_updated", "deleted", "method", "body"),
        [(r.pk, r.version_id, adapt(r.last_updated), False, method, r.body) for r in rows],
    )


def drop_index(resource_ids: list[int]) -> None:
    for model in (TokenIndex, StringIndex, DateIndex, ReferenceIndex):
        model.objects.filter(resource_id__in=resource_ids)._raw_delete(model.objects.db)


def empty_lake() -> None:
    """Remove the shared lake (partners' partitions stay), without Django's per-row collector."""
    lake = Resource.objects.filter(partner__isnull=True).values("pk")
    for model in (TokenIndex, StringIndex, DateIndex, ReferenceIndex, ResourceVersion):
        model.objects.filter(resource_id__in=lake)._raw_delete(model.objects.db)
    Resource.objects.filter(partner__isnull=True)._raw_delete(Resource.objects.db)


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
            empty_lake()
        for batch in _batches(resources, BATCH):
            prepared = []
            for resource in batch:
                p = prepare(resource, partner_id=None, moment=moment, patient_hint=patients)
                if p.row.patient:
                    patients[p.row.reference] = p.row.patient
                prepared.append(p)
            Resource.objects.bulk_create([p.row for p in prepared], batch_size=BATCH)
            save_versions([p.row for p in prepared])
            save_index(prepared)
            count += len(prepared)
    return count
