"""Deterministic synthetic data for the FHIR R4 sandbox (issue 12 §2).

``generate(patients=30)`` streams the data lake as FHIR R4 JSON dicts: shared resources first
(payers, provider organizations, locations, practitioners with valid NPIs, roles, medications),
then, for each beneficiary ``BBUser00000``.., a longitudinal record conforming to US Core 6.1.0
(clinical) and CARIN Blue Button 2.0.0 (Patient, Coverage, ExplanationOfBenefit), with a US Core
Provenance per resource. Pure Python: no database, no Django.

Id scheme (FHIR ids, URL-safe): ``Patient/bb-00042``; the beneficiary's other resources are
``<Type>/bb-00042-<abbr>-<nnn>`` (``eob``, ``enc``, ``cond``, ``obs``, ``dr``, ``doc``, ``alg``,
``imm``, ``mrx``, ``mdsp``, ``proc``, ``cp``, ``ct``, ``goal``, ``sr``, ``spec``, ``dev``, ``rp``)
except Coverage ``bb-00042-cov-part-a|part-b|part-d|ma``; shared ones are ``Organization/payer-cms``,
``Organization/payer-ma-<region>``, ``Organization/org-<region>-<kind>``, ``Location/loc-<region>-<kind>``,
``Practitioner/pract-<region>-<role>``, ``PractitionerRole/role-<region>-<role>``,
``Medication/med-<rxnorm>``; the Provenance of any resource is ``Provenance/<its id>-prov``.
"""

from .generator import DEFAULT_SEED, beneficiaries, generate, shared_resources
from .people import Beneficiary

__all__ = ["DEFAULT_SEED", "Beneficiary", "beneficiaries", "generate", "shared_resources"]
