"""FHIR Bulk Data 2.0 $export: kick-off checks, the worker that writes NDJSON files, the
status manifest, cancellation and expiry.

Files are the stored resource bytes, one per line, written to the default storage under
``exports/<job>/``; they are served only with a bearer of the partner that asked, and they
expire after ``EXPORT_TTL``.
"""

from __future__ import annotations

import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from lib.ids import iso
from sandbox.access import Grant
from sandbox.models import ExportJob, Resource
from sandbox.outcome import FhirError
from sandbox.search import params as defs
from sandbox.search.extract import date_range, parse_reference

EXPORT_TTL = timedelta(hours=24)
OUTPUT_FORMATS = ("application/fhir+ndjson", "application/ndjson", "ndjson")
UNSUPPORTED = ("_typeFilter", "_elements", "patient", "includeAssociatedData", "_until")
STORAGE_DIR = "exports"


@dataclass(frozen=True)
class KickOff:
    level: str
    group_id: str
    types: list[str]
    since: datetime | None


def parse_kickoff(
    params: dict[str, list[str]], *, level: str, group_id: str, lenient: bool, readable: list[str]
) -> KickOff:
    """The request's parameters, checked (Bulk Data 2.0 §kick-off); ``readable`` are the
    types the credential's system scopes cover."""
    fmt = (params.get("_outputFormat") or [OUTPUT_FORMATS[0]])[0]
    if fmt not in OUTPUT_FORMATS:
        raise FhirError(400, "not-supported", f"_outputFormat={fmt!r}: use {', '.join(OUTPUT_FORMATS)}.")
    for name in UNSUPPORTED:
        if name in params and not lenient:
            raise FhirError(
                400,
                "not-supported",
                f"{name} is not supported by this server (send Prefer: handling=lenient to ignore it).",
            )
    since = None
    if "_since" in params:
        found = date_range(params["_since"][0])
        if found is None:
            raise FhirError(400, "invalid", f"_since={params['_since'][0]!r} is not a FHIR instant.")
        since = found[0]
    allowed = [t for t in readable if level == "system" or defs.TYPES[t].compartment]
    if "_type" in params:
        wanted = [t.strip() for value in params["_type"] for t in value.split(",") if t.strip()]
        unknown = [t for t in wanted if t not in defs.TYPES]
        if unknown:
            raise FhirError(
                400, "not-supported", f"_type names types this server does not serve: {', '.join(unknown)}."
            )
        refused = [t for t in wanted if t not in allowed]
        if refused:
            raise FhirError(403, "forbidden", f"This token's system scopes do not cover: {', '.join(refused)}.")
        types = wanted
    else:
        types = allowed
    if not types:
        raise FhirError(
            403, "forbidden", "Bulk export needs system/*.read (or system/[Type].read) for the exported types."
        )
    return KickOff(level=level, group_id=group_id, types=types, since=since)


def readable_types(grant_for: Any) -> list[str]:
    """Types the credential may export: system-context scopes only (Backend Services)."""
    out = []
    for name in defs.TYPES:
        grant: Grant | None = grant_for(name)
        if grant is not None and grant.system:
            out.append(name)
    return out


def start(*, partner_id: int, credential_id: str, kickoff: KickOff, request_url: str) -> ExportJob:
    return ExportJob.objects.create(
        public_id="exp_" + secrets.token_urlsafe(15),
        partner_id=partner_id,
        credential_id=credential_id,
        level=kickoff.level,
        group_id=kickoff.group_id,
        types=kickoff.types,
        since=kickoff.since,
        request_url=request_url,
        transaction_time=timezone.now(),
        expires_at=timezone.now() + EXPORT_TTL,
    )


def _patients(job: ExportJob) -> list[str] | None:
    """Whose data a patient- or group-level export covers (None: system level, everything)."""
    visible = Resource.objects.visible_to(job.partner_id).live()
    if job.level == ExportJob.Level.SYSTEM:
        return None
    if job.level == ExportJob.Level.PATIENT:
        return list(visible.filter(resource_type="Patient").values_list("logical_id", flat=True))
    group = visible.filter(resource_type="Group", logical_id=job.group_id).first()
    if group is None:
        return []
    members = []
    for member in group.content.get("member", []):
        parsed = parse_reference(member.get("entity", {}).get("reference", "")) if isinstance(member, dict) else None
        if parsed is not None and parsed[0] == "Patient" and not member.get("inactive"):
            members.append(parsed[1])
    return members


def _file_name(job: ExportJob, resource_type: str) -> str:
    return f"{STORAGE_DIR}/{job.public_id}/{resource_type}.ndjson"


def run(job_id: int) -> None:
    """Write the files. Stops early (and cleans up) if the client cancels meanwhile."""
    job = ExportJob.objects.filter(pk=job_id).first()
    if job is None or job.is_done:
        return
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.IN_PROGRESS)
    patients = _patients(job)
    output = []
    for number, resource_type in enumerate(job.types, start=1):
        if not ExportJob.objects.filter(pk=job.pk).exists():  # cancelled
            _remove_files(job)
            return
        rows = (
            Resource.objects.visible_to(job.partner_id)
            .live()
            .filter(resource_type=resource_type, last_updated__lte=job.transaction_time)
        )
        if job.since is not None:
            rows = rows.filter(last_updated__gt=job.since)
        if patients is not None:
            rows = (
                rows.filter(logical_id__in=patients)
                if resource_type == "Patient"
                else rows.filter(patient__in=patients)
            )
        count = 0
        with tempfile.TemporaryFile() as out:
            for body in rows.order_by("pk").values_list("body", flat=True).iterator(chunk_size=2000):
                out.write(body.encode())
                out.write(b"\n")
                count += 1
            if count:
                out.seek(0)
                name = default_storage.save(_file_name(job, resource_type), File(out))
                output.append({"type": resource_type, "file": name, "count": count})
        ExportJob.objects.filter(pk=job.pk).update(progress=f"{number} of {len(job.types)} types written")
    with transaction.atomic():
        updated = ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.COMPLETED, output=output, finished_at=timezone.now(), progress="done"
        )
    if not updated:
        _remove_files(job)


def manifest(job: ExportJob, *, base: str) -> dict[str, Any]:
    def url(item: dict[str, Any]) -> str:
        return f"{base}/_export/{job.public_id}/{item['type']}.ndjson"

    return {
        "transactionTime": iso(job.transaction_time),
        "request": job.request_url,
        "requiresAccessToken": True,
        "output": [{"type": item["type"], "url": url(item), "count": item["count"]} for item in job.output],
        "error": [{"type": "OperationOutcome", "url": url(item)} for item in job.errors],
    }


def _remove_files(job: ExportJob) -> None:
    folder = f"{STORAGE_DIR}/{job.public_id}"
    if default_storage.exists(folder):
        _, files = default_storage.listdir(folder)
        for name in files:
            default_storage.delete(f"{folder}/{name}")


def cancel(job: ExportJob) -> None:
    """DELETE on the status URL: the job and its files go; the status URL then answers 404."""
    _remove_files(job)
    job.delete()


def expire(now: datetime | None = None) -> int:
    """Beat: remove exports whose files are past their time."""
    count = 0
    for job in ExportJob.objects.filter(expires_at__lte=now or timezone.now()):
        cancel(job)
        count += 1
    return count
