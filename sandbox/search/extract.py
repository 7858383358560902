"""Index values of a resource, by the paths of :mod:`sandbox.search.params`."""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any

from sandbox.search.params import DATE, REFERENCE, STRING, TOKEN, TYPES

MIN_DATE = datetime(1, 1, 1, tzinfo=UTC)
MAX_DATE = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
_DATE = re.compile(
    r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?:T(?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?P<f>\.\d+)?)?(?P<tz>Z|[+-]\d{2}:\d{2})?)?)?)?$"
)
_REFERENCE = re.compile(r"(?:^|/)(?P<type>[A-Z][A-Za-z]+)/(?P<id>[A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$")


@dataclass(frozen=True)
class IndexValues:
    tokens: list[tuple[str, str, str]]  # (param, system, code)
    strings: list[tuple[str, str]]  # (param, normalized value)
    dates: list[tuple[str, datetime, datetime]]  # (param, low, high)
    references: list[tuple[str, str, str]]  # (param, target type, target id)


_STEP = re.compile(r"ext\([^)]*\)|[^.]+")


def walk(node: Any, path: str) -> Iterator[Any]:
    """Every value at ``path`` below ``node`` (lists are flattened at each step)."""
    yield from _walk([node], _STEP.findall(path))


def _walk(nodes: list[Any], steps: list[str]) -> Iterator[Any]:
    if not steps:
        for node in nodes:
            if isinstance(node, list):
                yield from node
            elif node is not None:
                yield node
        return
    step, rest = steps[0], steps[1:]
    found: list[Any] = []
    for node in nodes:
        for item in node if isinstance(node, list) else [node]:
            if not isinstance(item, dict):
                continue
            if step.startswith("ext("):
                url = step[4:-1]
                found.extend(e for e in item.get("extension", []) if isinstance(e, dict) and e.get("url") == url)
            elif step.endswith("[x]"):
                prefix = step[:-3]
                found.extend(
                    v for k, v in item.items() if k.startswith(prefix) and k[len(prefix) : len(prefix) + 1].isupper()
                )
            elif step in item:
                found.append(item[step])
    yield from _walk(found, rest)


def normalize(text: str) -> str:
    """Lower case without accents: string search ignores both."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def date_range(value: str) -> tuple[datetime, datetime] | None:
    """The instants a FHIR date, dateTime or instant covers: [low, high), by precision.
    Times without a zone are taken as UTC."""
    match = _DATE.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        return None
    try:
        year = int(match["y"])
        if match["m"] is None:
            low = datetime(year, 1, 1, tzinfo=UTC)
            return low, datetime(year + 1, 1, 1, tzinfo=UTC) if year < 9999 else MAX_DATE
        month = int(match["m"])
        if match["d"] is None:
            low = datetime(year, month, 1, tzinfo=UTC)
            return low, low + timedelta(days=calendar.monthrange(year, month)[1])
        day = int(match["d"])
        if match["H"] is None:
            low = datetime(year, month, day, tzinfo=UTC)
            return low, low + timedelta(days=1)
        tz: tzinfo = UTC
        if match["tz"] and match["tz"] != "Z":
            sign = 1 if match["tz"][0] == "+" else -1
            hours, minutes = int(match["tz"][1:3]), int(match["tz"][4:6])
            tz = timezone(timedelta(minutes=sign * (hours * 60 + minutes)))
        second = int(match["S"] or 0)
        fraction = match["f"]
        micro = int((fraction[1:] + "000000")[:6]) if fraction else 0
        low = datetime(year, month, day, int(match["H"]), int(match["M"]), second, micro, tzinfo=tz).astimezone(UTC)
        step = timedelta(seconds=1) if match["S"] is not None and not fraction else timedelta(minutes=1)
        if fraction:
            step = timedelta(microseconds=1)
        return low, low + step
    except ValueError:
        return None


def _tokens(value: Any) -> Iterator[tuple[str, str]]:
    if isinstance(value, bool):
        yield "", "true" if value else "false"
    elif isinstance(value, str | int):
        yield "", str(value)
    elif isinstance(value, dict):
        if "coding" in value:
            for coding in value.get("coding") or []:
                yield from _tokens(coding)
        elif "code" in value:
            yield str(value.get("system", "")), str(value["code"])
        elif "value" in value:  # Identifier, ContactPoint
            yield str(value.get("system", "")), str(value["value"])


_NAME_PARTS = ("text", "family", "given", "prefix", "suffix")
_ADDRESS_PARTS = ("text", "line", "city", "district", "state", "postalCode", "country")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        parts = _NAME_PARTS if ("family" in value or "given" in value) else _ADDRESS_PARTS
        for part in parts:
            item = value.get(part)
            for text in item if isinstance(item, list) else [item]:
                if isinstance(text, str):
                    yield text


def _dates(value: Any) -> Iterator[tuple[datetime, datetime]]:
    if isinstance(value, str):
        found = date_range(value)
        if found:
            yield found
    elif isinstance(value, dict) and ("start" in value or "end" in value):
        start = date_range(value["start"]) if "start" in value else None
        end = date_range(value["end"]) if "end" in value else None
        yield (start[0] if start else MIN_DATE), (end[1] if end else MAX_DATE)


def parse_reference(reference: str) -> tuple[str, str] | None:
    """(type, id) of a literal reference: ``Type/id``, a URL ending so, a version-specific one."""
    if not isinstance(reference, str) or reference.startswith(("#", "urn:")):
        return None
    match = _REFERENCE.search(reference)
    return (match["type"], match["id"]) if match else None


def _references(value: Any) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict) and isinstance(value.get("reference"), str):
        parsed = parse_reference(value["reference"])
        if parsed:
            yield parsed


def index_values(resource: dict[str, Any]) -> IndexValues:
    type_def = TYPES.get(resource.get("resourceType", ""))
    out = IndexValues([], [], [], [])
    if type_def is None:
        return out
    for param in type_def.params.values():
        for path in param.paths:
            for value in walk(resource, path):
                if param.kind == TOKEN:
                    out.tokens.extend((param.name, system[:255], code[:255]) for system, code in _tokens(value))
                elif param.kind == STRING:
                    out.strings.extend((param.name, normalize(text)[:255]) for text in _strings(value) if text.strip())
                elif param.kind == DATE:
                    out.dates.extend((param.name, low, high) for low, high in _dates(value))
                elif param.kind == REFERENCE:
                    for target_type, target_id in _references(value):
                        if not param.targets or target_type in param.targets:
                            out.references.append((param.name, target_type, target_id))
    return out


def compartment_patient(resource: dict[str, Any]) -> str:
    """The patient whose compartment holds the resource ("" for shared resources)."""
    type_def = TYPES.get(resource.get("resourceType", ""))
    if type_def is None:
        return ""
    for path in type_def.compartment:
        if path == "id":
            return str(resource.get("id", ""))
        for value in walk(resource, path):
            for target_type, target_id in _references(value):
                if target_type == "Patient":
                    return target_id
    return ""


def references(resource: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Every literal reference anywhere in the resource (for Provenance targets, includes)."""
    stack: list[Any] = [resource]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("reference"), str):
                parsed = parse_reference(node["reference"])
                if parsed:
                    yield parsed
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
