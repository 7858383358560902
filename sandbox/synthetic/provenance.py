"""US Core Provenance: one per generated resource, targeting it."""

from __future__ import annotations

from typing import Any

from .fhir import THO, US_CORE_CS, Resource, cc, meta, ref, us_core

PROVENANCE_PROFILE = us_core("us-core-provenance")

AUTHOR = cc(THO + "provenance-participant-type", "author", "Author")
TRANSMITTER = cc(US_CORE_CS + "us-core-provenance-participant-type", "transmitter", "Transmitter")


def provenance_id(target_id: str) -> str:
    """``Provenance/<target id>-prov``: ids are unique across types, so this is too."""
    return f"{target_id}-prov"


def provenance(resource: Resource, recorded: str, author: dict[str, Any], transmitter: dict[str, Any]) -> Resource:
    """The record of who wrote ``resource`` (an organization) and who sent it to the payer's API."""
    return {
        "resourceType": "Provenance",
        "id": provenance_id(resource["id"]),
        "meta": meta(PROVENANCE_PROFILE),
        "target": [ref(resource["resourceType"], resource["id"])],
        "recorded": recorded,
        "agent": [
            {"type": AUTHOR, "who": author},
            {"type": TRANSMITTER, "who": transmitter},
        ],
    }
