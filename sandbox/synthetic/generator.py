"""The public entry points: a deterministic, streaming generator of the sandbox data lake."""

from __future__ import annotations

from collections.abc import Iterator

from .fhir import Resource
from .people import Beneficiary, beneficiary
from .record import build_record
from .shared import shared_resources as _shared

DEFAULT_SEED = 20240101


def shared_resources() -> list[Resource]:
    """Payers, provider organizations, locations, practitioners, roles and medications, each with its Provenance."""
    return list(_shared())


def beneficiaries(patients: int = 30, *, seed: int = DEFAULT_SEED) -> list[Beneficiary]:
    """The sandbox logins ``BBUser00000``.. with their passwords and Patient ids (no records are built)."""
    return [beneficiary(seed, i) for i in range(patients)]


def generate(patients: int = 30, *, seed: int = DEFAULT_SEED) -> Iterator[Resource]:
    """Every resource of the data lake as FHIR R4 JSON dicts: the shared resources, then each beneficiary's.

    Beneficiary ``i`` depends only on ``(seed, i)``, so ``generate(patients=n)`` is a prefix of
    ``generate(patients=m)`` for ``n <= m``, and two runs give identical output. One beneficiary is built
    at a time (about 280 resources), so memory stays flat however many are asked for.
    """
    yield from _shared()
    for index in range(patients):
        yield from build_record(seed, index)
