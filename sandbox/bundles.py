"""Bundles written as text around the stored resource bytes: nothing is parsed or
re-serialized on the way out."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from urllib.parse import urlencode

from django.utils import timezone

from sandbox.models import Resource, ResourceVersion
from sandbox.outcome import Problem, outcome
from sandbox.search.query import Page, Search
from sandbox.store import instant


def _dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _link(relation: str, url: str) -> str:
    return _dump({"relation": relation, "url": url})


def _stored(row: Resource) -> str:
    return row.body


def searchset(
    page: Page,
    search: Search,
    *,
    base: str,
    included: list[Resource],
    warnings: list[Problem],
    body_of: Callable[[Resource], str] = _stored,
) -> str:
    path = f"{base}/{search.resource_type}"
    query = urlencode(search.echo)
    links = [_link("self", f"{path}?{query}" if query else path)]
    for relation, cursor in (("next", page.next_cursor), ("previous", page.previous_cursor)):
        if cursor:
            links.append(_link(relation, f"{path}?{urlencode([*search.echo, ('_cursor', cursor)])}"))
    entries = [
        f'{{"fullUrl":"{base}/{r.resource_type}/{r.logical_id}","resource":{body_of(r)},"search":{{"mode":"match"}}}}'
        for r in page.matches
    ]
    entries.extend(
        f'{{"fullUrl":"{base}/{r.resource_type}/{r.logical_id}","resource":{body_of(r)},"search":{{"mode":"include"}}}}'
        for r in included
    )
    if warnings:
        entries.append(_dump({"resource": outcome(warnings), "search": {"mode": "outcome"}}))
    head: dict[str, object] = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": instant(timezone.now())},
        "type": "searchset",
    }
    if page.total is not None:
        head["total"] = page.total
    return f'{_dump(head)[:-1]},"link":[{",".join(links)}],"entry":[{",".join(entries)}]}}'


def history(resource: Resource, versions: list[ResourceVersion], *, base: str) -> str:
    entries = []
    for v in versions:
        url = f"{base}/{resource.resource_type}/{resource.logical_id}"
        request = {"method": v.method, "url": f"{resource.resource_type}/{resource.logical_id}"}
        if v.deleted:
            entries.append(_dump({"fullUrl": url, "request": request, "response": {"status": "410 Gone"}}))
        else:
            entries.append(
                f'{{"fullUrl":"{url}","resource":{v.body},"request":{_dump(request)},'
                f'"response":{{"status":"200 OK","etag":"W/\\"{v.version_id}\\""}}}}'
            )
    head = {"resourceType": "Bundle", "id": str(uuid.uuid4()), "type": "history", "total": len(versions)}
    self_link = _link("self", f"{base}/{resource.resource_type}/{resource.logical_id}/_history")
    return f'{_dump(head)[:-1]},"link":[{self_link}],"entry":[{",".join(entries)}]}}'
