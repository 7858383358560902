"""Validation throughput on one core: base structure and full profile validation, printed.

    .venv/bin/python bench/validation.py [--seconds 3]

Loads the official US Core 6.1.0 and CARIN BB 2.0.0 examples from tests/fixtures, warms the
caches (model tables, compiled profiles, value set expansions: a one-time cost per process,
printed first), then for each set (all examples; ExplanationOfBenefits, also split at 20 KB
of JSON; Patients) runs
``validate_base`` and ``validate`` over the set repeatedly for ``--seconds`` each and prints
resources per second. Single process, single thread: the figures are per core. For scale,
it also times the R4B pydantic models themselves (``base.pydantic_issues``) on the same sets.
This is a benchmark, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sandbox.validation import validate, validate_base  # noqa: E402
from sandbox.validation.base import pydantic_issues  # noqa: E402

EXAMPLES = ROOT / "tests" / "fixtures" / "fhir-igs"


def load_examples() -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(EXAMPLES.glob("*/examples/*.json"))]


def rate(func: Callable[[dict[str, Any]], Any], resources: list[dict[str, Any]], seconds: float) -> float:
    done = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for resource in resources:
            func(resource)
        done += len(resources)
    return done / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    examples = load_examples()
    started = time.perf_counter()
    for resource in examples:
        validate(resource)
    print(f"warm-up (import models, compile profiles, expand value sets): {time.perf_counter() - started:.2f} s")
    eobs = [r for r in examples if r["resourceType"] == "ExplanationOfBenefit"]
    sets = {
        "all examples": examples,
        "ExplanationOfBenefit": eobs,
        "EOB up to 20 KB": [r for r in eobs if len(json.dumps(r)) <= 20_000],
        "EOB over 20 KB": [r for r in eobs if len(json.dumps(r)) > 20_000],
        "Patient": [r for r in examples if r["resourceType"] == "Patient"],
    }
    print(f"{'set':<22}{'n':>5}{'KB avg':>8}{'base/s':>10}{'profile/s':>11}{'pydantic/s':>12}")
    for name, resources in sets.items():
        size = sum(len(json.dumps(r)) for r in resources) / len(resources) / 1000
        base = rate(validate_base, resources, args.seconds)
        full = rate(validate, resources, args.seconds)
        models = rate(pydantic_issues, resources, args.seconds)
        print(f"{name:<22}{len(resources):>5}{size:>8.1f}{base:>10.0f}{full:>11.0f}{models:>12.0f}")


if __name__ == "__main__":
    main()
