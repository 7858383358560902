"""The conformance resources the validator knows: the implementation guides shipped as data in
``sandbox/profiles/<guide>/`` (StructureDefinitions, ValueSets, CodeSystems, as published).

Nothing outside the repository is read. :func:`shipped` loads them once per process; tests
build their own :class:`Definitions` to add a hand-made profile beside the shipped ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

PROFILES_DIR = Path(__file__).resolve().parent.parent / "profiles"
GUIDES = ("us-core-6.1.0", "carin-bb-2.0.0", "r4-core-supplement")
CORE_PREFIX = "http://hl7.org/fhir/StructureDefinition/"


class Definitions:
    """StructureDefinitions, ValueSets and CodeSystems by canonical URL, plus per-set caches
    of what is compiled from them (profiles, value set expansions)."""

    def __init__(self, resources: Iterable[dict[str, Any]] = ()) -> None:
        self.structure_definitions: dict[str, dict[str, Any]] = {}
        self.value_sets: dict[str, dict[str, Any]] = {}
        self.code_systems: dict[str, dict[str, Any]] = {}
        self.cache: dict[tuple[str, str], Any] = {}  # (kind, url) -> compiled object
        for resource in resources:
            self.add(resource)

    def add(self, resource: dict[str, Any]) -> None:
        table = {
            "StructureDefinition": self.structure_definitions,
            "ValueSet": self.value_sets,
            "CodeSystem": self.code_systems,
        }.get(resource.get("resourceType", ""))
        if table is None or not resource.get("url"):
            raise ValueError("Only StructureDefinition, ValueSet and CodeSystem resources with a url can be added.")
        table[resource["url"]] = resource
        self.cache.clear()

    def extended(self, resources: Iterable[dict[str, Any]]) -> Definitions:
        """A new set: these definitions plus ``resources`` (a hand-made profile, say)."""
        combined = Definitions(
            [*self.structure_definitions.values(), *self.value_sets.values(), *self.code_systems.values()]
        )
        for resource in resources:
            combined.add(resource)
        return combined

    def structure_definition(self, reference: str) -> dict[str, Any] | None:
        """The StructureDefinition a (possibly ``|version``-ed) canonical reference names, or None
        when we do not have it, or not in that version."""
        url, _, version = reference.partition("|")
        found = self.structure_definitions.get(url)
        if found is None or (version and found.get("version") and found["version"] != version):
            return None
        return found

    def value_set(self, reference: str) -> dict[str, Any] | None:
        url, _, version = reference.partition("|")
        found = self.value_sets.get(url)
        if found is None or (version and found.get("version") and found["version"] != version):
            return None
        return found

    def extension_urls(self) -> frozenset[str]:
        key = ("extension-urls", "")
        if key not in self.cache:
            self.cache[key] = frozenset(
                url for url, sd in self.structure_definitions.items() if sd.get("type") == "Extension"
            )
        return self.cache[key]

    def profiles(self) -> list[str]:
        """Canonical URLs (``url|version``) of the resource and extension profiles we hold."""
        out = []
        for url, sd in sorted(self.structure_definitions.items()):
            version = sd.get("version")
            out.append(f"{url}|{version}" if version else url)
        return out


def load_guide_files(directory: Path) -> list[dict[str, Any]]:
    resources = []
    for path in sorted(directory.glob("*.json")):
        if path.name == "package.json":
            continue
        with path.open(encoding="utf-8") as handle:
            resources.append(json.load(handle))
    return resources


@cache
def shipped() -> Definitions:
    """The definitions of the guides in ``sandbox/profiles`` (loaded once per process)."""
    resources: list[dict[str, Any]] = []
    for guide in GUIDES:
        resources.extend(load_guide_files(PROFILES_DIR / guide))
    return Definitions(resources)
