"""Writes into a partner's own partition: create (also conditional), update (also as
create, with If-Match), delete. The shared lake is read-only. Every write keeps the
stored bytes, the version row and the index rows together in one transaction."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from sandbox import checks
from sandbox.access import Grant
from sandbox.models import Resource, ResourceVersion
from sandbox.outcome import FhirError
from sandbox.search import params as defs
from sandbox.search import query
from sandbox.search.extract import parse_reference
from sandbox.store import drop_index, prepare, save_index

ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
GPID_HEADER = "X-GPID-Boundary"


@dataclass(frozen=True)
class Written:
    row: Resource
    created: bool
    existing: bool = False  # a conditional create found a match: nothing was written


def check_boundary(value: str | None, *, partner_gpid: str) -> None:
    """Every write names the partition it is meant for: the caller's own GPID."""
    if not value:
        raise FhirError(
            400,
            "required",
            f"Writes need the header {GPID_HEADER}: {partner_gpid} (your organization's GPID), so that data "
            "never lands in another partner's partition by mistake.",
        )
    if value.strip() != partner_gpid:
        raise FhirError(
            403,
            "forbidden",
            f"{GPID_HEADER} is {value.strip()!r}, but this credential belongs to {partner_gpid}: a credential "
            "writes only into its own organization's partition.",
        )


def _check_type(resource: Any, resource_type: str) -> dict[str, Any]:
    if not isinstance(resource, dict):
        raise FhirError(400, "structure", "The body must be a JSON object: a FHIR resource.")
    if resource.get("resourceType") != resource_type:
        raise FhirError(
            400,
            "invalid",
            f"The body is a {resource.get('resourceType')!r} but the URL says {resource_type}.",
            expression=f"{resource_type}.resourceType",
        )
    return resource


def _lake_has(resource_type: str, logical_id: str) -> bool:
    return Resource.objects.filter(partner__isnull=True, resource_type=resource_type, logical_id=logical_id).exists()


def _store_new(resource: dict[str, Any], partner_id: int, method: str) -> Resource:
    prepared = prepare(resource, partner_id=partner_id, patient_hint=_provenance_hint(resource, partner_id))
    prepared.row.save()
    ResourceVersion.objects.create(
        resource=prepared.row,
        version_id=1,
        last_updated=prepared.row.last_updated,
        method=method,
        body=prepared.row.body,
    )
    save_index([prepared])
    return prepared.row


def _provenance_hint(resource: dict[str, Any], partner_id: int) -> dict[str, str] | None:
    """For a Provenance: the compartments of what it is about."""
    if resource.get("resourceType") != "Provenance":
        return None
    about = Q(pk__in=[])
    for target in resource.get("target") or []:
        parsed = parse_reference(target.get("reference", "")) if isinstance(target, dict) else None
        if parsed is not None:
            about |= Q(resource_type=parsed[0], logical_id=parsed[1])
    rows = Resource.objects.visible_to(partner_id).filter(about).exclude(patient="")
    return {row.reference: row.patient for row in rows}


def create(
    *,
    partner_id: int,
    resource_type: str,
    resource: Any,
    if_none_exist: str = "",
    grant: Grant,
) -> Written:
    """POST {type}: the server assigns the id. With ``If-None-Exist`` (a search), an
    existing match is returned instead (several matches: 412)."""
    resource = _check_type(resource, resource_type)
    checks.raise_for_problems(resource)
    if if_none_exist:
        matches = _matches(resource_type, if_none_exist, partner_id=partner_id, grant=grant)
        if len(matches) > 1:
            raise FhirError(
                412, "duplicate", f"If-None-Exist: {if_none_exist} matches {len(matches)} resources; make it specific."
            )
        if matches:
            return Written(row=matches[0], created=False, existing=True)
    resource = {**resource, "id": str(uuid.uuid4())}
    with transaction.atomic():
        row = _store_new(resource, partner_id, "POST")
    return Written(row=row, created=True)


def _matches(resource_type: str, condition: str, *, partner_id: int, grant: Grant) -> list[Resource]:
    pairs = [tuple(p.split("=", 1)) for p in condition.lstrip("?").split("&") if "=" in p]
    search = query.parse(resource_type, pairs, strict=True)  # type: ignore[arg-type]
    return list(query.base_queryset(search, partner_id=partner_id, grant=grant)[:2])


def update(
    *,
    partner_id: int,
    resource_type: str,
    logical_id: str,
    resource: Any,
    if_match: str = "",
) -> Written:
    """PUT {type}/{id}: a new version, or the first one when the partition has no such
    resource yet (update as create, with the client's id). ``If-Match: W/"n"`` makes it
    conditional on the current version."""
    resource = _check_type(resource, resource_type)
    if resource.get("id") != logical_id:
        raise FhirError(
            400,
            "invalid",
            f"The body's id ({resource.get('id')!r}) must equal the URL's ({logical_id}).",
            expression=f"{resource_type}.id",
        )
    if _lake_has(resource_type, logical_id):
        raise FhirError(
            403,
            "forbidden",
            f"{resource_type}/{logical_id} belongs to the shared synthetic lake, which is read-only; "
            "write your own copy under another id.",
        )
    checks.raise_for_problems(resource)
    with transaction.atomic():
        current = (
            Resource.objects.select_for_update()
            .filter(partner_id=partner_id, resource_type=resource_type, logical_id=logical_id)
            .first()
        )
        if if_match and (
            current is None or if_match.strip() not in (f'W/"{current.version_id}"', f'"{current.version_id}"')
        ):
            have = f'W/"{current.version_id}"' if current else "no version"
            raise FhirError(412, "conflict", f"If-Match {if_match} does not match the current version ({have}).")
        if current is None:
            try:
                with transaction.atomic():
                    return Written(row=_store_new(resource, partner_id, "PUT"), created=True)
            except IntegrityError as exc:  # a parallel PUT created it first
                raise FhirError(409, "conflict", f"{resource_type}/{logical_id} was created meanwhile; retry.") from exc
        version = current.version_id + 1
        prepared = prepare(
            resource, partner_id=partner_id, version=version, patient_hint=_provenance_hint(resource, partner_id)
        )
        row = prepared.row
        row.pk = current.pk
        row.deleted = False
        row.save(force_update=True)
        ResourceVersion.objects.create(
            resource=row, version_id=version, last_updated=row.last_updated, method="PUT", body=row.body
        )
        drop_index([row.pk])
        save_index([prepared])
    return Written(row=row, created=False)


def delete(*, partner_id: int, resource_type: str, logical_id: str) -> Resource | None:
    """DELETE {type}/{id}: a deletion version; the read then answers 410. Deleting what
    is not there is not an error (FHIR: 204 either way); the lake cannot be deleted."""
    if (
        _lake_has(resource_type, logical_id)
        and not Resource.objects.filter(
            partner_id=partner_id, resource_type=resource_type, logical_id=logical_id
        ).exists()
    ):
        raise FhirError(
            403, "forbidden", f"{resource_type}/{logical_id} belongs to the shared synthetic lake, which is read-only."
        )
    with transaction.atomic():
        row = (
            Resource.objects.select_for_update()
            .filter(partner_id=partner_id, resource_type=resource_type, logical_id=logical_id, deleted=False)
            .first()
        )
        if row is None:
            return None
        row.version_id += 1
        row.deleted = True
        row.last_updated = timezone.now()
        row.save(update_fields=["version_id", "deleted", "last_updated"])
        ResourceVersion.objects.create(
            resource=row, version_id=row.version_id, last_updated=row.last_updated, method="DELETE", deleted=True
        )
        drop_index([row.pk])
    return row


def known_type(resource_type: str) -> defs.TypeDef:
    type_def = defs.TYPES.get(resource_type)
    if type_def is None:
        raise FhirError(404, "not-supported", f"The sandbox does not store {resource_type!r}; see /fhir/R4/metadata.")
    return type_def
