"""Transaction and batch Bundles into a partner's partition, each one a pipeline sync job.

A transaction is all or nothing: every entry is checked first, ``urn:uuid:`` references
between entries are resolved to the ids the server assigns, and one invalid entry fails
the whole Bundle ("Bundle entry 14 failed FHIR validation"). A batch takes each entry on
its own and reports each. New resources are written in bulk (one INSERT per table per
thousand), so a large push costs a handful of round trips.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from pipeline import services as pipeline
from pipeline.models import SyncJob
from sandbox import checks, services
from sandbox.access import Grant
from sandbox.models import Resource
from sandbox.outcome import FhirError, Problem, outcome
from sandbox.search import params as defs
from sandbox.store import BATCH, prepare, save_index, save_versions, serialize

MAX_ENTRIES = 10_000
INLINE_ENTRIES = 200  # larger Bundles go to a worker: 202 and a status URL
GrantFor = Callable[[str, str], Grant]


@dataclass
class EntryResult:
    status: str  # "201 Created", "200 OK", "204 No Content", or an error status
    location: str = ""
    etag: str = ""
    last_modified: str = ""
    outcome: dict[str, Any] | None = None
    resource_type: str = ""


@dataclass
class Planned:
    index: int
    method: str
    resource_type: str
    logical_id: str
    resource: dict[str, Any] | None
    if_none_exist: str = ""
    if_match: str = ""
    full_url: str = ""


@dataclass
class Outcome:
    status: int
    body: str
    processed: int
    failed: int
    types: set[str] = field(default_factory=set)
    problems: list[dict[str, Any]] = field(default_factory=list)
    error_code: str = ""
    error_message: str = ""


def shape(bundle: Any) -> tuple[str, list[dict[str, Any]]]:
    """The Bundle's type and entries, or FhirError naming what is wrong."""
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise FhirError(400, "invalid", "POST /fhir/R4 takes a Bundle of type transaction or batch.")
    kind = bundle.get("type")
    if kind not in ("transaction", "batch"):
        raise FhirError(
            400,
            "invalid",
            f"Bundle.type is {kind!r}; this endpoint takes transaction or batch.",
            expression="Bundle.type",
        )
    entries = bundle.get("entry", [])
    if not isinstance(entries, list) or not entries:
        raise FhirError(400, "required", "The Bundle has no entries.", expression="Bundle.entry")
    if len(entries) > MAX_ENTRIES:
        raise FhirError(413, "too-long", f"A Bundle may have at most {MAX_ENTRIES:,} entries; split it.")
    return kind, entries


def _plan(index: int, entry: Any) -> Planned:
    where = f"Bundle.entry[{index}]"
    if not isinstance(entry, dict) or not isinstance(entry.get("request"), dict):
        raise FhirError(
            400, "required", f"Bundle entry {index} has no request (method and url).", expression=f"{where}.request"
        )
    request = entry["request"]
    method, url = str(request.get("method", "")).upper(), str(request.get("url", ""))
    if method not in ("POST", "PUT", "DELETE"):
        raise FhirError(
            400,
            "not-supported",
            f"Bundle entry {index}: request.method {method!r} is not supported here (POST, PUT, DELETE).",
        )
    path = url.split("?", 1)[0].strip("/")
    parts = path.split("/")
    resource_type = parts[0]
    services.known_type(resource_type)
    logical_id = parts[1] if len(parts) > 1 else ""
    if method in ("PUT", "DELETE") and not logical_id:
        raise FhirError(400, "invalid", f"Bundle entry {index}: {method} needs a url of the form {resource_type}/[id].")
    resource = entry.get("resource")
    if method != "DELETE" and (not isinstance(resource, dict) or resource.get("resourceType") != resource_type):
        raise FhirError(
            400,
            "invalid",
            f"Bundle entry {index}: the resource must be a {resource_type}.",
            expression=f"{where}.resource",
        )
    return Planned(
        index=index,
        method=method,
        resource_type=resource_type,
        logical_id=logical_id,
        resource=resource if method != "DELETE" else None,
        if_none_exist=str(request.get("ifNoneExist", "")),
        if_match=str(request.get("ifMatch", "")),
        full_url=str(entry.get("fullUrl", "")),
    )


def _rewrite(node: Any, ids: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {
            k: (ids.get(v, v) if k == "reference" and isinstance(v, str) else _rewrite(v, ids)) for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rewrite(v, ids) for v in node]
    return node


def _entry_problems(planned: Planned) -> list[Problem]:
    if planned.resource is None:
        return []
    where = f"Bundle.entry[{planned.index}].resource"
    return [
        Problem(
            p.severity,
            p.code,
            f"Bundle entry {planned.index}: {p.diagnostics}",
            p.expression.replace(planned.resource_type, where, 1),
        )
        for p in checks.problems(planned.resource)
    ]


def _response_bundle(kind: str, results: list[EntryResult]) -> str:
    entries = []
    for r in results:
        response: dict[str, Any] = {"status": r.status}
        if r.location:
            response["location"] = r.location
        if r.etag:
            response["etag"] = r.etag
        if r.last_modified:
            response["lastModified"] = r.last_modified
        if r.outcome:
            response["outcome"] = r.outcome
        entries.append({"response": response})
    return serialize({"resourceType": "Bundle", "id": str(uuid.uuid4()), "type": f"{kind}-response", "entry": entries})


def _created(row: Resource) -> EntryResult:
    return EntryResult(
        status="201 Created",
        location=f"{row.resource_type}/{row.logical_id}/_history/{row.version_id}",
        etag=f'W/"{row.version_id}"',
        last_modified=row.content["meta"]["lastUpdated"],
        resource_type=row.resource_type,
    )


def run(*, kind: str, entries: list[Any], partner_id: int, grant_for: GrantFor) -> Outcome:
    """Process the entries; the Outcome says what to answer and what the job records."""
    return (
        _transaction(entries, partner_id=partner_id, grant_for=grant_for)
        if kind == "transaction"
        else _batch(entries, partner_id=partner_id, grant_for=grant_for)
    )


_LETTER = {"POST": "c", "PUT": "u", "DELETE": "d"}


def _transaction(entries: list[Any], *, partner_id: int, grant_for: GrantFor) -> Outcome:
    planned = [_plan(i, e) for i, e in enumerate(entries)]
    for p in planned:
        grant_for(p.resource_type, _LETTER[p.method])
    ids = {
        p.full_url: f"{p.resource_type}/{uuid.uuid4()}"
        for p in planned
        if p.method == "POST" and p.full_url.startswith("urn:uuid:")
    }
    for p in planned:
        if p.method == "POST":
            p.logical_id = ids.get(p.full_url, f"{p.resource_type}/{uuid.uuid4()}").split("/", 1)[1]
        if p.resource is not None:
            p.resource = _rewrite({**p.resource, "id": p.logical_id}, ids)
    problems = [problem for p in planned for problem in _entry_problems(p)]
    errors = [x for x in problems if x.severity in ("error", "fatal")]
    if errors:
        first_entry = int(errors[0].diagnostics.split(":", 1)[0].rsplit(" ", 1)[1])
        message = f"Bundle entry {first_entry} failed FHIR validation"
        body = json.dumps(outcome(errors), separators=(",", ":"))
        return Outcome(
            status=422,
            body=body,
            processed=0,
            failed=len(planned),
            problems=[{"entry": first_entry, "path": e.expression, "message": e.diagnostics} for e in errors],
            error_code="VALIDATION_ERROR",
            error_message=message,
        )
    results: list[EntryResult | None] = [None] * len(planned)
    with transaction.atomic():
        # FHIR's order: deletes, then creates, then updates.
        for p in (p for p in planned if p.method == "DELETE"):
            services.delete(partner_id=partner_id, resource_type=p.resource_type, logical_id=p.logical_id)
            results[p.index] = EntryResult(status="204 No Content", resource_type=p.resource_type)
        creates = [p for p in planned if p.method == "POST"]
        fresh: list[Planned] = []
        for p in creates:
            if p.if_none_exist:
                written = services.create(
                    partner_id=partner_id,
                    resource_type=p.resource_type,
                    resource=p.resource,
                    if_none_exist=p.if_none_exist,
                    grant=grant_for(p.resource_type, "s"),
                )
                results[p.index] = (
                    _created(written.row)
                    if written.created
                    else EntryResult(
                        status="200 OK",
                        location=f"{written.row.reference}/_history/{written.row.version_id}",
                        resource_type=p.resource_type,
                    )
                )
            else:
                fresh.append(p)
        for row, p in zip(_bulk_create(fresh, partner_id), fresh, strict=True):
            results[p.index] = _created(row)
        for p in (p for p in planned if p.method == "PUT"):
            written = services.update(
                partner_id=partner_id,
                resource_type=p.resource_type,
                logical_id=p.logical_id,
                resource=p.resource,
                if_match=p.if_match,
            )
            row = written.row
            results[p.index] = (
                _created(row)
                if written.created
                else EntryResult(
                    status="200 OK",
                    location=f"{row.reference}/_history/{row.version_id}",
                    etag=f'W/"{row.version_id}"',
                    last_modified=row.content["meta"]["lastUpdated"],
                    resource_type=row.resource_type,
                )
            )
    done = [r for r in results if r is not None]
    return Outcome(
        status=200,
        body=_response_bundle("transaction", done),
        processed=len(done),
        failed=0,
        types={r.resource_type for r in done},
    )


def _bulk_create(planned: list[Planned], partner_id: int) -> list[Resource]:
    """New resources with server ids, in bulk; returned in the order given."""
    moment = timezone.now()
    prepared = [prepare(p.resource or {}, partner_id=partner_id, moment=moment) for p in planned]
    patients = {x.row.reference: x.row.patient for x in prepared if x.row.patient}
    for x in prepared:  # Provenance in the same Bundle as its targets
        if x.row.resource_type == "Provenance" and not x.row.patient:
            x.row.patient = next(
                (patients[t["reference"]] for t in x.row.content.get("target", []) if t.get("reference") in patients),
                "",
            )
    Resource.objects.bulk_create([x.row for x in prepared], batch_size=BATCH)
    save_versions([x.row for x in prepared])
    save_index(prepared)
    return [x.row for x in prepared]


def _batch(entries: list[Any], *, partner_id: int, grant_for: GrantFor) -> Outcome:
    results: list[EntryResult] = []
    problems: list[dict[str, Any]] = []
    for index, entry in enumerate(entries):
        try:
            p = _plan(index, entry)
            grant_for(p.resource_type, _LETTER[p.method])
            errors = [x for x in _entry_problems(p) if x.severity in ("error", "fatal")]
            if errors:
                raise FhirError(
                    422, errors[0].code, errors[0].diagnostics, expression=errors[0].expression, problems=errors[1:]
                )
            with transaction.atomic():
                results.append(_one(p, partner_id=partner_id, grant_for=grant_for))
        except FhirError as exc:
            results.append(EntryResult(status=f"{exc.status}", outcome=outcome(exc.problems)))
            problems.append(
                {"entry": index, "path": exc.problems[0].expression, "message": exc.problems[0].diagnostics}
            )
    ok = [r for r in results if r.status[:1] == "2"]
    return Outcome(
        status=200,
        body=_response_bundle("batch", results),
        processed=len(ok),
        failed=len(results) - len(ok),
        types={r.resource_type for r in ok if r.resource_type},
        problems=problems,
    )


def _one(p: Planned, *, partner_id: int, grant_for: GrantFor) -> EntryResult:
    if p.method == "DELETE":
        services.delete(partner_id=partner_id, resource_type=p.resource_type, logical_id=p.logical_id)
        return EntryResult(status="204 No Content", resource_type=p.resource_type)
    if p.method == "POST":
        written = services.create(
            partner_id=partner_id,
            resource_type=p.resource_type,
            resource=p.resource,
            if_none_exist=p.if_none_exist,
            grant=grant_for(p.resource_type, "s") if p.if_none_exist else Grant(p.resource_type, "c"),
        )
    else:
        written = services.update(
            partner_id=partner_id,
            resource_type=p.resource_type,
            logical_id=p.logical_id,
            resource=p.resource,
            if_match=p.if_match,
        )
    row = written.row
    if written.created:
        return _created(row)
    return EntryResult(
        status="200 OK", location=f"{row.reference}/_history/{row.version_id}", resource_type=row.resource_type
    )


def finish(job: SyncJob, result: Outcome) -> SyncJob:
    """Record the outcome on the job and announce it (pipeline.sync.completed or .failed)."""
    if result.error_code:
        return pipeline.fail_job(
            job=job,
            error_code=result.error_code,
            message=result.error_message,
            problems=result.problems,
            result=result.body,
            result_status=result.status,
        )
    return pipeline.complete_job(
        job=job,
        resource_types=result.types,
        processed=result.processed,
        failed=result.failed,
        problems=result.problems,
        result=result.body,
        result_status=result.status,
    )


def types_in(entries: list[Any]) -> set[str]:
    return {e.get("resource", {}).get("resourceType", "") for e in entries if isinstance(e, dict)} & set(defs.TYPES)


def process(job: SyncJob, *, kind: str, entries: list[Any], partner_id: int, grant_for: GrantFor) -> Outcome:
    """Run and record a push: the job ends completed or failed whatever happens inside."""
    try:
        result = run(kind=kind, entries=entries, partner_id=partner_id, grant_for=grant_for)
    except FhirError as exc:
        first = exc.problems[0]
        result = Outcome(
            status=exc.status,
            body=json.dumps(outcome(exc.problems), separators=(",", ":")),
            processed=0,
            failed=len(entries),
            problems=[{"path": first.expression, "message": first.diagnostics}],
            error_code="VALIDATION_ERROR" if exc.status in (400, 422) else "REJECTED",
            error_message=first.diagnostics,
        )
    finish(job, result)
    return result


def authorize(entries: list[Any], grant_for: GrantFor) -> None:
    """Before accepting a push: every entry well formed and allowed to this credential
    (so a queued Bundle can only fail on its content)."""
    for index, entry in enumerate(entries):
        planned = _plan(index, entry)
        grant_for(planned.resource_type, _LETTER[planned.method])


def granted(resource_type: str, permission: str) -> Grant:
    """For a worker processing an authorized push: the credential's writes were checked."""
    return Grant(resource_type, permission)
