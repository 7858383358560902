"""Searching the lake: FHIR search parameters to one SQL query over the index tables.

Parameter forms (FHIR R4 §3.1.1): ``patient=123`` ≡ ``patient=Patient/123`` (and absolute
URLs); token ``system|code``, ``|code``, ``code``, ``system|``; a comma means OR, a repeated
parameter means AND; date prefixes ``eq ne gt ge lt le sa eb`` at any precision; string
matches a case- and accent-insensitive prefix (``:exact``, ``:contains``); ``:missing`` on
any parameter; reference ``:Type`` modifiers.

Paging is keyset paging over (sort value, row id) with a snapshot bound: resources created
after the first page never shift later pages, and links stay valid across writes.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Exists, F, Max, Min, OuterRef, Q, QuerySet, Subquery

from sandbox.access import Grant
from sandbox.models import DateIndex, ReferenceIndex, Resource, StringIndex, TokenIndex
from sandbox.outcome import FhirError, Problem
from sandbox.search import params as defs
from sandbox.search.extract import MAX_DATE, MIN_DATE, date_range, normalize, parse_reference

DEFAULT_COUNT = 10
MAX_COUNT = 50
DATE_PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb")
MODIFIERS = {
    defs.TOKEN: {"", "missing", "not"},
    defs.STRING: {"", "missing", "exact", "contains"},
    defs.DATE: {"", "missing"},
    defs.REFERENCE: {"", "missing"},
}


@dataclass(frozen=True)
class Criterion:
    param: defs.Param
    modifier: str
    values: tuple[str, ...]  # OR'ed


@dataclass
class Search:
    resource_type: str
    criteria: list[Criterion] = field(default_factory=list)
    count: int = DEFAULT_COUNT
    sort: tuple[str, bool] | None = None  # (date parameter or _lastUpdated / _id, descending)
    includes: list[tuple[str, str, str]] = field(default_factory=list)  # (source type, param, target type)
    revincludes: list[tuple[str, str]] = field(default_factory=list)  # (source type, param)
    summary_count: bool = False
    want_total: bool = True
    cursor: dict[str, Any] | None = None
    warnings: list[Problem] = field(default_factory=list)
    echo: list[tuple[str, str]] = field(default_factory=list)  # the parameters understood, for links


def parse(resource_type: str, pairs: Iterable[tuple[str, str]], *, strict: bool) -> Search:
    """The search a request asks for; unknown parameters are warnings (400 when ``strict``)."""
    search = Search(resource_type)
    type_def = defs.TYPES[resource_type]
    for raw_name, value in pairs:
        name, _, modifier = raw_name.partition(":")
        if name in defs.RESULT_PARAMS:
            _result_param(search, type_def, name, modifier, value)
            if name != "_cursor":
                search.echo.append((raw_name, value))
            continue
        param = defs.param(resource_type, name)
        if param is None:
            message = f"Unknown search parameter {raw_name!r} for {resource_type}; it was ignored."
            if strict:
                raise FhirError(400, "not-supported", message.replace("it was ignored", "see /fhir/R4/metadata"))
            search.warnings.append(Problem("warning", "not-supported", message))
            continue
        if param.kind == defs.REFERENCE and modifier and modifier[:1].isupper():
            if param.targets and modifier not in param.targets:
                raise FhirError(
                    400, "invalid", f"{name} cannot refer to {modifier}; it refers to {', '.join(param.targets)}."
                )
            value = ",".join(v if "/" in v else f"{modifier}/{v}" for v in value.split(","))
            modifier = ""
        if modifier not in MODIFIERS[param.kind]:
            raise FhirError(
                400, "not-supported", f"The modifier :{modifier} is not supported on {name} ({param.kind})."
            )
        values = tuple(v for v in _split(value))
        if not values:
            raise FhirError(400, "invalid", f"The search parameter {name} has no value.")
        for v in values:
            _check_value(param, modifier, v)
        search.criteria.append(Criterion(param, modifier, values))
        search.echo.append((raw_name, value))
    return search


def _split(value: str) -> list[str]:
    """Comma-separated values, honouring the ``\\,`` escape."""
    out, current, escaped = [], "", False
    for char in value:
        if escaped:
            current += char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ",":
            out.append(current)
            current = ""
        else:
            current += char
    out.append(current)
    return [v for v in out if v != ""]


def _check_value(param: defs.Param, modifier: str, value: str) -> None:
    if modifier == "missing":
        if value not in ("true", "false"):
            raise FhirError(400, "invalid", f"{param.name}:missing takes true or false, not {value!r}.")
        return
    if param.kind == defs.DATE:
        prefix, rest = (value[:2], value[2:]) if value[:2] in DATE_PREFIXES else ("eq", value)
        if date_range(rest) is None:
            raise FhirError(
                400,
                "invalid",
                f"{param.name}={value!r} is not a FHIR date: use YYYY, YYYY-MM, YYYY-MM-DD or a dateTime, "
                f"optionally after a prefix ({', '.join(DATE_PREFIXES)}).",
            )
        del prefix


def _result_param(search: Search, type_def: defs.TypeDef, name: str, modifier: str, value: str) -> None:
    if name == "_count":
        if not value.isdigit():
            raise FhirError(400, "invalid", f"_count must be a whole number from 0 to {MAX_COUNT}, not {value!r}.")
        search.count = min(int(value), MAX_COUNT)
    elif name == "_sort":
        key = value.split(",")[0]
        descending, key = key.startswith("-"), key.lstrip("-")
        param = defs.param(search.resource_type, key)
        if param is None or (param.kind != defs.DATE and key != "_id"):
            raise FhirError(400, "not-supported", f"_sort={value!r}: sort by a date parameter, _lastUpdated or _id.")
        search.sort = (key, descending)
    elif name == "_include":
        for spec in value.split(","):
            search.includes.extend(_include(type_def, spec, iterate=modifier == "iterate"))
    elif name == "_revinclude":
        for spec in value.split(","):
            if spec not in defs.REVINCLUDES:
                raise FhirError(
                    400, "not-supported", f"_revinclude={spec!r} is not supported; use {defs.REVINCLUDES[0]}."
                )
            source, _, target_param = spec.partition(":")
            search.revincludes.append((source, target_param))
    elif name == "_summary":
        if value == "count":
            search.summary_count = True
        elif value != "false":
            search.warnings.append(
                Problem("warning", "not-supported", f"_summary={value} is not supported; full resources follow.")
            )
    elif name == "_total":
        search.want_total = value != "none"
    elif name == "_cursor":
        search.cursor = decode_cursor(value)
    elif name == "_elements":
        search.warnings.append(
            Problem("warning", "not-supported", "_elements is not supported; full resources follow.")
        )


def _include(type_def: defs.TypeDef, spec: str, *, iterate: bool) -> list[tuple[str, str, str]]:
    source, _, rest = spec.partition(":")
    param_name, _, target = rest.partition(":")
    if source != type_def.name:
        raise FhirError(
            400,
            "not-supported",
            f"_include={spec!r}: includes of a {type_def.name} search start with {type_def.name}:.",
        )
    if param_name == "*":
        names = [p.name for p in type_def.params.values() if p.kind == defs.REFERENCE and p.name != "subject"]
        return [(source, n, "") for n in names]
    param = type_def.params.get(param_name)
    if param is None or param.kind != defs.REFERENCE:
        raise FhirError(
            400, "not-supported", f"_include={spec!r}: {type_def.name} has no reference parameter {param_name!r}."
        )
    return [(source, param_name, target)]


# --- Conditions ---------------------------------------------------------------------------------


def _token_q(value: str) -> Q:
    if "|" in value:
        system, _, code = value.partition("|")
        q = Q(system=system) if system else Q(system="")
        return q & Q(code=code) if code else q
    return Q(code=value)


def _date_q(value: str) -> Q:
    prefix, rest = (value[:2], value[2:]) if value[:2] in DATE_PREFIXES else ("eq", value)
    low, high = date_range(rest) or (MIN_DATE, MAX_DATE)
    inside = Q(low__gte=low, high__lte=high)
    return {
        "eq": inside,
        "ne": ~inside,
        "gt": Q(high__gt=high),
        "lt": Q(low__lt=low),
        "ge": Q(high__gt=high) | inside,
        "le": Q(low__lt=low) | inside,
        "sa": Q(low__gte=high),
        "eb": Q(high__lte=low),
    }[prefix]


def _reference_q(value: str) -> Q:
    parsed = parse_reference(value)
    if parsed is not None:
        return Q(target_type=parsed[0], target_id=parsed[1])
    return Q(target_id=value)


def _index_exists(param: defs.Param, resource_type: str, q: Q) -> Exists:
    where = {"resource_id": OuterRef("pk"), "resource_type": resource_type, "param": param.name}
    if param.kind == defs.TOKEN:
        return Exists(TokenIndex.objects.filter(q, **where))
    if param.kind == defs.STRING:
        return Exists(StringIndex.objects.filter(q, **where))
    if param.kind == defs.DATE:
        return Exists(DateIndex.objects.filter(q, **where))
    return Exists(ReferenceIndex.objects.filter(q, **where))


def condition(resource_type: str, criterion: Criterion) -> Q:
    param, modifier = criterion.param, criterion.modifier
    if param.name == "_id":
        by_id = Q(logical_id__in=criterion.values)
        return ~by_id if modifier == "not" else by_id
    if param.name == "_lastUpdated":
        return _any(_column_date_q(v) for v in criterion.values)
    if modifier == "missing":
        present = _index_exists(param, resource_type, Q())
        return ~Q(present) if criterion.values[0] == "true" else Q(present)
    if param.name == "patient" and defs.TYPES[resource_type].compartment:
        ids = [parsed[1] if (parsed := parse_reference(v)) else v for v in criterion.values]
        return Q(patient__in=ids)
    if param.kind == defs.TOKEN:
        match = _index_exists(param, resource_type, _any(_token_q(v) for v in criterion.values))
        return ~Q(match) if modifier == "not" else Q(match)
    if param.kind == defs.STRING:
        lookup = {"": "value__startswith", "exact": "value", "contains": "value__contains"}[modifier]
        wanted = [normalize(v) if modifier != "exact" else v.casefold() for v in criterion.values]
        return Q(_index_exists(param, resource_type, _any(Q(**{lookup: w}) for w in wanted)))
    if param.kind == defs.DATE:
        return Q(_index_exists(param, resource_type, _any(_date_q(v) for v in criterion.values)))
    return Q(_index_exists(param, resource_type, _any(_reference_q(v) for v in criterion.values)))


def _column_date_q(value: str) -> Q:
    prefix, rest = (value[:2], value[2:]) if value[:2] in DATE_PREFIXES else ("eq", value)
    low, high = date_range(rest) or (MIN_DATE, MAX_DATE)
    return {
        "eq": Q(last_updated__gte=low, last_updated__lt=high),
        "ne": ~Q(last_updated__gte=low, last_updated__lt=high),
        "gt": Q(last_updated__gte=high),
        "lt": Q(last_updated__lt=low),
        "ge": Q(last_updated__gte=low),
        "le": Q(last_updated__lt=high),
        "sa": Q(last_updated__gte=high),
        "eb": Q(last_updated__lt=low),
    }[prefix]


def _any(qs: Iterable[Q]) -> Q:
    out = Q(pk__in=[])
    first = True
    for q in qs:
        out = q if first else out | q
        first = False
    return out


def confine(queryset: QuerySet[Resource], resource_type: str, grant: Grant) -> QuerySet[Resource]:
    """Only what the grant may see: the patient's compartment, the granular filters."""
    type_def = defs.TYPES[resource_type]
    if grant.patient:
        if resource_type == "Patient":
            queryset = queryset.filter(logical_id=grant.patient)
        elif type_def.compartment:
            queryset = queryset.filter(patient=grant.patient)
    if grant.filters:
        allowed = Q(pk__in=[])
        for filter_set in grant.filters:
            both = Q()
            for name, value in filter_set:
                param = defs.param(resource_type, name)
                if param is None:
                    both &= Q(pk__in=[])  # a filter this type cannot have: nothing matches
                else:
                    both &= condition(resource_type, Criterion(param, "", tuple(_split(value))))
            allowed |= both
        queryset = queryset.filter(allowed)
    return queryset


# --- Running ---------------------------------------------------------------------------------------


@dataclass
class Page:
    matches: list[Resource]
    included: list[Resource]
    total: int | None
    next_cursor: str | None
    previous_cursor: str | None


def encode_cursor(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(value: str) -> dict[str, Any]:
    try:
        data = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise FhirError(
            400, "invalid", "_cursor is not a paging cursor from this server; follow the Bundle's links."
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("s"), int):
        raise FhirError(400, "invalid", "_cursor is not a paging cursor from this server; follow the Bundle's links.")
    return data


def base_queryset(search: Search, *, partner_id: int | None, grant: Grant) -> QuerySet[Resource]:
    queryset: QuerySet[Resource] = (
        Resource.objects.visible_to(partner_id).live().filter(resource_type=search.resource_type)
    )
    queryset = confine(queryset, search.resource_type, grant)
    for criterion in search.criteria:
        queryset = queryset.filter(condition(search.resource_type, criterion))
    return queryset


def run(search: Search, *, partner_id: int | None, grant: Grant) -> Page:
    queryset = base_queryset(search, partner_id=partner_id, grant=grant)
    cursor = search.cursor or {}
    snapshot = cursor.get("s")
    if snapshot is None:
        snapshot = Resource.objects.aggregate(m=Max("pk"))["m"] or 0
    queryset = queryset.filter(pk__lte=snapshot)
    total = queryset.count() if search.want_total or search.summary_count else None
    if search.summary_count or search.count == 0:
        return Page([], [], total, None, None)
    sort_key, descending = search.sort or ("", False)
    if sort_key and sort_key not in ("_id", "_lastUpdated"):
        agg = Max if descending else Min
        field_name = "high" if descending else "low"
        value = DateIndex.objects.filter(
            resource_id=OuterRef("pk"), resource_type=search.resource_type, param=sort_key
        ).values("resource_id")
        queryset = queryset.annotate(sort_value=Subquery(value.annotate(v=agg(field_name)).values("v")[:1]))
    elif sort_key == "_lastUpdated":
        queryset = queryset.annotate(sort_value=F("last_updated"))
    elif sort_key == "_id":
        queryset = queryset.annotate(sort_value=F("logical_id"))
    sorted_by_value = bool(sort_key)
    backwards = "b" in cursor
    key = cursor.get("b") if backwards else cursor.get("a")
    if key is not None:
        queryset = queryset.filter(_after(key, descending != backwards, sorted_by_value))
    order = _order(descending != backwards, sorted_by_value)
    rows = list(queryset.order_by(*order)[: search.count + 1])
    more = len(rows) > search.count
    rows = rows[: search.count]
    if backwards:
        rows.reverse()
    first, last = (rows[0], rows[-1]) if rows else (None, None)
    has_next = (more and not backwards) or (backwards and key is not None)
    has_previous = (more and backwards) or (not backwards and key is not None)
    next_cursor = encode_cursor({"s": snapshot, "a": _key(last, sorted_by_value)}) if has_next and last else None
    previous_cursor = (
        encode_cursor({"s": snapshot, "b": _key(first, sorted_by_value)}) if has_previous and first else None
    )
    return Page(rows, [], total, next_cursor, previous_cursor)


def _key(row: Resource, sorted_by_value: bool) -> list[Any]:
    if not sorted_by_value:
        return [row.pk]
    value = getattr(row, "sort_value", None)
    return [value.isoformat() if isinstance(value, datetime) else value, row.pk]


def _order(descending: bool, sorted_by_value: bool) -> list[Any]:
    if not sorted_by_value:
        return ["-pk" if descending else "pk"]
    if descending:
        return [F("sort_value").desc(nulls_last=True), "-pk"]
    return [F("sort_value").asc(nulls_last=True), "pk"]


def _after(key: list[Any], descending: bool, sorted_by_value: bool) -> Q:
    if not sorted_by_value:
        return Q(pk__lt=key[0]) if descending else Q(pk__gt=key[0])
    value, pk = key
    next_pk = Q(pk__lt=pk) if descending else Q(pk__gt=pk)
    if value is None:  # inside the trailing run of resources without a sort value
        return Q(sort_value__isnull=True) & next_pk
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-":
        value = datetime.fromisoformat(value)
    beyond = Q(sort_value__lt=value) if descending else Q(sort_value__gt=value)
    return beyond | (Q(sort_value=value) & next_pk) | Q(sort_value__isnull=True)
