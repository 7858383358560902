"""Every SHALL search combination of US Core 6.1.0 and CARIN BB 2.0.0 over the generated
lake, the way the public test suites probe a server: take a resource found by patient,
search with its own values, and expect it back (and only matches), by GET and by POST."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest

from sandbox import lake
from sandbox.search import params as defs
from sandbox.search.extract import date_range, walk

PATIENT = "bb-00000"


@pytest.fixture
def generated(db, fhir_token, settings):
    settings.RATE_LIMITS_ENABLED = False  # a crawl of ~150 searches in a few seconds, by design
    lake.load(patients=2)
    return fhir_token


def _first_value(resource: dict[str, Any], param: defs.Param) -> str | None:
    for path in param.paths:
        for value in walk(resource, path):
            if param.kind == defs.TOKEN:
                if isinstance(value, dict):
                    coding = (value.get("coding") or [value])[0]
                    code, system = coding.get("code") or coding.get("value"), coding.get("system", "")
                    if code:
                        return f"{system}|{code}" if system else str(code)
                elif isinstance(value, str | bool):
                    return str(value).lower() if isinstance(value, bool) else value
            elif param.kind == defs.STRING:
                text = (
                    value if isinstance(value, str) else (value.get("family") or value.get("city") or value.get("text"))
                )
                if isinstance(text, str) and text:
                    return text[:4]
            elif param.kind == defs.DATE:
                raw = value if isinstance(value, str) else value.get("start") if isinstance(value, dict) else None
                if isinstance(raw, str) and date_range(raw):
                    return raw[:10]
            elif param.kind == defs.REFERENCE and isinstance(value, dict) and value.get("reference"):
                return value["reference"]
    return None


def _search(client, token, resource_type: str, query: dict[str, str], post: bool = False) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    path = f"/fhir/R4/{resource_type}"
    params = {**query, "_count": "50"}
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if post:
        resp = client.post(
            f"{path}/_search", urlencode(params), content_type="application/x-www-form-urlencoded", **auth
        )
    else:
        resp = client.get(f"{path}?{urlencode(params)}", **auth)
    assert resp.status_code == 200, (resource_type, query, resp.content[:300])
    found.extend(e["resource"] for e in resp.json().get("entry", []) if e["search"]["mode"] == "match")
    return found


def test_every_shall_combination_finds_what_it_should(client, generated):
    problems: list[str] = []
    checked = 0
    for type_def in defs.TYPES.values():
        if not type_def.shall:
            continue
        if type_def.compartment:
            key = "patient" if "patient" in type_def.params else "_id"
            pool = _search(client, generated, type_def.name, {key: PATIENT} if key == "patient" else {})
        else:
            pool = _search(client, generated, type_def.name, {})
        if not pool:
            problems.append(f"{type_def.name}: nothing found for {PATIENT}")
            continue
        for combination in type_def.shall:
            sample = next((r for r in pool if all(_value(r, type_def.name, n) for n in combination)), None)
            if sample is None:
                problems.append(f"{type_def.name}?{'&'.join(combination)}: no generated resource has all these values")
                continue
            query = {name: _value(sample, type_def.name, name) or "" for name in combination}
            got = _search(client, generated, type_def.name, query)
            by_post = _search(client, generated, type_def.name, query, post=True)
            checked += 1
            if sample["id"] not in {r["id"] for r in got}:
                problems.append(f"{type_def.name}?{urlencode(query)} misses {sample['id']}")
            if [r["id"] for r in got] != [r["id"] for r in by_post]:
                problems.append(f"{type_def.name}?{urlencode(query)}: GET and POST _search differ")
    assert not problems, "\n".join(problems)
    assert checked >= 40


def _value(resource: dict[str, Any], resource_type: str, name: str) -> str | None:
    if name == "_id":
        return resource["id"]
    if name == "_lastUpdated":
        return resource["meta"]["lastUpdated"][:10]
    if name == "patient":
        param = defs.param(resource_type, "patient")
        return _first_value(resource, param) if param else None
    param = defs.param(resource_type, name)
    return _first_value(resource, param) if param else None


def test_eob_includes_over_the_generated_claims(client, generated):
    for include in ("patient", "provider", "care-team", "coverage", "insurer", "payee"):
        resp = client.get(
            f"/fhir/R4/ExplanationOfBenefit?patient={PATIENT}&_count=5&_include=ExplanationOfBenefit:{include}",
            HTTP_AUTHORIZATION=f"Bearer {generated}",
        )
        modes = [e["search"]["mode"] for e in resp.json()["entry"]]
        assert modes.count("match") == 5 and "include" in modes, include
    wild = client.get(
        f"/fhir/R4/ExplanationOfBenefit?patient={PATIENT}&_count=3&_include=ExplanationOfBenefit:*",
        HTTP_AUTHORIZATION=f"Bearer {generated}",
    ).json()
    assert {e["resource"]["resourceType"] for e in wild["entry"]} >= {"ExplanationOfBenefit", "Patient", "Coverage"}
    medication = client.get(
        f"/fhir/R4/MedicationRequest?patient={PATIENT}&intent=order&_include=MedicationRequest:medication",
        HTTP_AUTHORIZATION=f"Bearer {generated}",
    ).json()
    assert any(e["resource"]["resourceType"] == "Medication" for e in medication["entry"])
