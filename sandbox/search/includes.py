"""``_include`` and ``_revinclude``: the resources a page points to, and the Provenance
pointing at it, fetched with the same partitions, compartment and scopes as the page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from django.db.models import Q

from sandbox.access import Grant
from sandbox.models import ReferenceIndex, Resource
from sandbox.search.query import Search, confine

GrantFor = Callable[[str], Grant | None]


def _fetch(
    wanted: dict[str, set[str]], *, partner_id: int | None, grant_for: GrantFor, exclude: set[tuple[str, str]]
) -> list[Resource]:
    found: dict[tuple[str, str], Resource] = {}
    for resource_type, ids in sorted(wanted.items()):
        grant = grant_for(resource_type)
        if grant is None or not ids:
            continue  # no scope for that type: included resources stay out
        rows = Resource.objects.visible_to(partner_id).live().filter(resource_type=resource_type, logical_id__in=ids)
        for row in confine(rows, resource_type, grant).order_by("partner_id", "pk"):
            key = (row.resource_type, row.logical_id)
            if key not in exclude and (key not in found or row.partner_id is not None):
                found[key] = row  # the partner's own version wins over the lake's
    return list(found.values())


def included(page: list[Resource], search: Search, *, partner_id: int | None, grant_for: GrantFor) -> list[Resource]:
    if not page or not (search.includes or search.revincludes):
        return []
    seen = {(r.resource_type, r.logical_id) for r in page}
    ids = [r.pk for r in page]
    wanted: dict[str, set[str]] = defaultdict(set)
    for source, param, target in search.includes:
        refs = ReferenceIndex.objects.filter(resource_id__in=ids, resource_type=source, param=param)
        if target:
            refs = refs.filter(target_type=target)
        for target_type, target_id in refs.values_list("target_type", "target_id"):
            wanted[target_type].add(target_id)
    out = _fetch(wanted, partner_id=partner_id, grant_for=grant_for, exclude=seen)
    for source, param in search.revincludes:
        grant = grant_for(source)
        if grant is None:
            continue
        pointing = Q(pk__in=[])
        for row in page:
            pointing |= Q(target_type=row.resource_type, target_id=row.logical_id)
        sources = ReferenceIndex.objects.filter(pointing, resource_type=source, param=param).values("resource_id")
        rows = Resource.objects.visible_to(partner_id).live().filter(resource_type=source, pk__in=sources)
        out.extend(
            r for r in confine(rows, source, grant).order_by("pk") if (r.resource_type, r.logical_id) not in seen
        )
    return out
