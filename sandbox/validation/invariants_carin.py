"""CARIN Blue Button 2.0.0 invariants (see :mod:`.fhirpath` for how they are matched).

Checked: every ``*-meta-profile-version`` rule (generic, in :mod:`.fhirpath`),
``EOB-payee-other-type-requires-party``, ``EOB-institutional-item-or-header-adjudication``,
``adjudication-has-amount-type-slice``, ``EOB-vision-item-productorservice``,
``EOB-inst-pointoforigin``, ``EOB-prof-all-transportation-supportinginfo-linked-to-line``, the
three Oral line-item rules, ``Practitioner-identifier``, ``relatedperson-name-or-relationship``
and ``uncontained-requires-lastUpdated``.

Deliberately not checked:

* ``EOB-insurance-focal`` and the ``EOB-*-careTeam-*`` rules: as written they can never fail
  (the first is evaluated on each insurance, which has no ``insurance`` child; the others
  take ``.provider`` of a boolean). We follow the expressions, not their intent.
* ``EOB-careteam-qualification``: needs a VSAC value set we do not ship.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .fhirpath import codings, get, has, objects, rule


def _keys(values: list[Any]) -> set[Any]:
    """The sequence numbers among values (anything else in a broken resource is skipped)."""
    return {v for v in values if isinstance(v, int | str)}


ADA_TOOTH = "http://terminology.hl7.org/CodeSystem/ADAUniversalToothDesignationSystem"
NUBC_PRIORITY = "https://www.nubc.org/CodeSystem/PriorityTypeOfAdmitOrVisit"
C4BB_ADJUDICATION = "http://hl7.org/fhir/us/carin-bb/ValueSet/C4BBAdjudication"
C4BB_TRANSPORTATION = "http://hl7.org/fhir/us/carin-bb/ValueSet/C4BBTransportationServiceCategories"


# -- CARIN Blue Button ----------------------------------------------------------------------


@rule(
    "type.coding.where(code = 'other' and system = 'http://terminology.hl7.org/CodeSystem/payeetype').exists() "
    "implies party.exists()"
)
def _payee_other(value: Any, ctx: Any, key: str) -> bool:
    other = codings(value.get("type"), "http://terminology.hl7.org/CodeSystem/payeetype", ["other"])
    return not other or has(value, "party")


@rule(
    "adjudication.where(category.memberOf('http://hl7.org/fhir/us/carin-bb/ValueSet/C4BBAdjudication')).exists() != "
    "item.adjudication.where(category.memberOf('http://hl7.org/fhir/us/carin-bb/ValueSet/C4BBAdjudication')).exists()"
)
def _item_or_header_adjudication(value: Any, ctx: Any, key: str) -> bool:
    header = any(ctx.member(a.get("category"), C4BB_ADJUDICATION) for a in objects(value, "adjudication"))
    line = any(ctx.member(a.get("category"), C4BB_ADJUDICATION) for a in objects(value, "item", "adjudication"))
    return header != line


@rule(
    "(adjudication.exists().not() or adjudication.where(category.memberOf("
    "'http://hl7.org/fhir/us/carin-bb/ValueSet/C4BBAdjudication')).exists())"
)
def _item_amount_slice(value: Any, ctx: Any, key: str) -> bool:
    adjudications = objects(value, "adjudication")
    return not adjudications or any(ctx.member(a.get("category"), C4BB_ADJUDICATION) for a in adjudications)


@rule(
    "ExplanationOfBenefit.type.coding.where(code = 'vision' and"
    " system='http://terminology.hl7.org/CodeSystem/claim-type')"
    ".exists() or ExplanationOfBenefit.item.productOrService.coding.where(code = 'not-applicable' and system = "
    "'http://terminology.hl7.org/CodeSystem/data-absent-reason').exists().not()"
)
def _vision_product(value: Any, ctx: Any, key: str) -> bool:
    root = ctx.resource
    if codings(root.get("type"), "http://terminology.hl7.org/CodeSystem/claim-type", ["vision"]):
        return True
    products = get(root, "item", "productOrService")
    return not any(
        codings(p, "http://terminology.hl7.org/CodeSystem/data-absent-reason", ["not-applicable"]) for p in products
    )


@rule(
    "(supportingInfo.where(code.coding.system = 'https://www.nubc.org/CodeSystem/PriorityTypeOfAdmitOrVisit' and "
    "code.coding.code = '4').exists() and supportingInfo.where(code.coding.system="
    "'AHANUBCPointOfOriginForAdmissionOrVisitNonnewborn').exists()).not() and"
    " (supportingInfo.where(code.coding.system = "
    "'https://www.nubc.org/CodeSystem/PriorityTypeOfAdmitOrVisit' and code.coding.code != '4').exists() and "
    "supportingInfo.where(code.coding.system = 'https://www.nubc.org/CodeSystem/PointOfOriginNewborn').exists() ).not()"
)
def _point_of_origin(value: Any, ctx: Any, key: str) -> bool:
    infos = objects(value, "supportingInfo")

    def with_system(system: str, code_test: Callable[[Any], bool] | None = None) -> bool:
        for info in infos:
            found = codings(info.get("code"), system)
            if found and (code_test is None or any(code_test(c.get("code")) for c in found)):
                return True
        return False

    newborn = with_system(NUBC_PRIORITY, lambda c: c == "4")
    not_newborn = with_system(NUBC_PRIORITY, lambda c: c != "4")
    return not (newborn and with_system("AHANUBCPointOfOriginForAdmissionOrVisitNonnewborn")) and not (
        not_newborn and with_system("https://www.nubc.org/CodeSystem/PointOfOriginNewborn")
    )


@rule(
    "supportingInfo.where(category.memberOf('http://hl7.org/fhir/us/carin-bb/ValueSet/C4BBTransportationS"
    "erviceCategories'))"
    ".sequence.subsetOf(%context.item.informationSequence)"
)
def _transportation_linked(value: Any, ctx: Any, key: str) -> bool:
    linked = _keys(get(value, "item", "informationSequence"))
    infos = [i for i in objects(value, "supportingInfo") if ctx.member(i.get("category"), C4BB_TRANSPORTATION)]
    return _keys(get(infos, "sequence")) <= linked


def _additional_body_sites(root: Any, tooth_only: bool = False) -> set[Any]:
    infos = [i for i in objects(root, "supportingInfo") if codings(i.get("category"), None, ["additionalbodysite"])]
    if tooth_only:
        infos = [i for i in infos if codings(i.get("code"), ADA_TOOTH)]
    return _keys(get(infos, "sequence"))


@rule(
    "supportingInfo.where(category.coding.code ="
    " 'additionalbodysite').sequence.subsetOf(%context.item.informationSequence)"
)
def _body_site_linked(value: Any, ctx: Any, key: str) -> bool:
    linked = _keys(get(value, "item", "informationSequence"))
    return _additional_body_sites(value) <= linked


@rule(
    "item.where(informationSequence.intersect(%context.supportingInfo.where(category.coding.code ="
    " 'additionalbodysite')"
    ".sequence).exists()).where(bodySite.count() != count()).empty()"
)
def _linked_item_has_body_site(value: Any, ctx: Any, key: str) -> bool:
    sites = _additional_body_sites(value)
    for item in objects(value, "item"):
        if sites & _keys(get(item, "informationSequence")) and len(get(item, "bodySite")) != 1:
            return False
    return True


@rule(
    "item.where(subSite.exists() and (bodySite.where(coding.system="
    "'http://terminology.hl7.org/CodeSystem/ADAUniversalToothDesignationSystem').exists().not() and "
    "informationSequence.combine(%context.supportingInfo.where(code.coding.system="
    "'http://terminology.hl7.org/CodeSystem/ADAUniversalToothDesignationSystem' and category.coding.code = "
    "'additionalbodysite').sequence).isDistinct())).count() = 0"
)
def _surface_needs_tooth(value: Any, ctx: Any, key: str) -> bool:
    teeth = list(_additional_body_sites(value, tooth_only=True))
    for item in objects(value, "item"):
        if not has(item, "subSite") or codings(item.get("bodySite"), ADA_TOOTH):
            continue
        combined = [*_keys(get(item, "informationSequence")), *teeth]
        if len(combined) == len(set(combined)):  # no link to a tooth number
            return False
    return True


@rule("identifier.where(type.where(coding.where(code in ('NPI' | 'TAX')).exists()).exists()).exists()")
def _practitioner_identifier(value: Any, ctx: Any, key: str) -> bool:
    return any(codings(i.get("type"), None, ["NPI", "TAX"]) for i in objects(value, "identifier"))


@rule("name.exists() or relationship.exists()")
def _name_or_relationship(value: Any, ctx: Any, key: str) -> bool:
    return has(value, "name") or has(value, "relationship")


@rule("%resource = %rootResource implies meta.lastUpdated.exists()")
def _uncontained_last_updated(value: Any, ctx: Any, key: str) -> bool:
    return ctx.contained or bool(get(value, "meta", "lastUpdated"))
