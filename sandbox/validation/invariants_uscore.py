"""US Core 6.1.0 invariants and the base R4 invariants its snapshots repeat (see
:mod:`.fhirpath` for how they are matched).

Checked: ``us-core-1`` to ``us-core-21`` (both meanings of ``us-core-6`` and ``us-core-8``;
the NPI Luhn check ``us-core-17``), ``ait-1/2``, ``con-1..5``, ``cpl-3``, ``ctm-1``,
``gol-1``, ``imm-1``, ``mdd-1``, ``obs-3/6/7``, ``org-1/2/3``, ``pat-1``, ``pd-1``,
``prr-1``, ``provenance-1``, ``qrs-1``, ``sdcqr-1/2``, ``vs-1/2/3``.

Not checked: ``txt-1``/``txt-2`` (``htmlChecks()`` on narrative XHTML) and the ``dom-*``
contained-resource rules. ``ele-1`` and ``ext-1`` are the base layer's.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from .fhirpath import choice, codings, get, has, objects, rule, text

ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
CONDITION_VER_STATUS = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
DATA_ABSENT_REASON = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
REPORT_STATUSES = frozenset({"partial", "preliminary", "final", "amended", "corrected", "appended"})
ORDER_INTENTS = frozenset({"order", "original-order", "reflex-order", "filler-order", "instance-order"})
_NPI = re.compile(r"[0-9]{10}")
_CLIA = re.compile(r"[0-9]{2}D[0-9]{7}")
_NAIC = re.compile(r"[0-9]{5}")

REPORT_STATUS_EXPRESSION = (
    "(status='partial' or status='preliminary' or status='final' or status='amended' or status='corrected' or "
    "status='appended' ) implies {}.exists()"
)


@rule(
    "verificationStatus.coding.where(system = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification' "
    "and code = 'entered-in-error').exists() or clinicalStatus.exists()"
)
def _ait_1(value: Any, ctx: Any, key: str) -> bool:
    return bool(codings(value.get("verificationStatus"), ALLERGY_VERIFICATION, ["entered-in-error"])) or has(
        value, "clinicalStatus"
    )


@rule(
    "verificationStatus.coding.where(system = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification' "
    "and code = 'entered-in-error').empty() or clinicalStatus.empty()"
)
def _ait_2(value: Any, ctx: Any, key: str) -> bool:
    return not codings(value.get("verificationStatus"), ALLERGY_VERIFICATION, ["entered-in-error"]) or not has(
        value, "clinicalStatus"
    )


@rule("summary.exists() or assessment.exists()")
def _con_1(value: Any, ctx: Any, key: str) -> bool:
    return has(value, "summary") or has(value, "assessment")


@rule("code.exists() or detail.exists()")
def _con_2(value: Any, ctx: Any, key: str) -> bool:
    return has(value, "code") or has(value, "detail")


@rule(
    "clinicalStatus.exists() or verificationStatus.coding.where(system='http://terminology.hl7.org/CodeSystem/"
    "condition-ver-status' and code = 'entered-in-error').exists() or"
    " category.select($this='problem-list-item').empty()"
)
def _con_3(value: Any, ctx: Any, key: str) -> bool:
    # A CodeableConcept never equals a string, but select() still yields one 'false' per
    # category, so the last clause holds only when there is no category at all.
    return (
        has(value, "clinicalStatus")
        or bool(codings(value.get("verificationStatus"), CONDITION_VER_STATUS, ["entered-in-error"]))
        or not get(value, "category")
    )


@rule(
    "abatement.empty() or"
    " clinicalStatus.coding.where(system='http://terminology.hl7.org/CodeSystem/condition-clinical' "
    "and (code='resolved' or code='remission' or code='inactive')).exists()"
)
def _con_4(value: Any, ctx: Any, key: str) -> bool:
    return not choice(value, "abatement") or bool(
        codings(value.get("clinicalStatus"), CONDITION_CLINICAL, ["resolved", "remission", "inactive"])
    )


@rule(
    "verificationStatus.coding.where(system='http://terminology.hl7.org/CodeSystem/condition-ver-status' and "
    "code='entered-in-error').empty() or clinicalStatus.empty()"
)
def _con_5(value: Any, ctx: Any, key: str) -> bool:
    return not codings(value.get("verificationStatus"), CONDITION_VER_STATUS, ["entered-in-error"]) or not has(
        value, "clinicalStatus"
    )


@rule("detail.empty() or reference.empty()")
def _cpl_3(value: Any, ctx: Any, key: str) -> bool:
    return not has(value, "detail") or not has(value, "reference")


@rule("onBehalfOf.exists() implies (member.resolve().iif(empty(), true, ofType(Practitioner).exists()))")
def _ctm_1(value: Any, ctx: Any, key: str) -> bool:
    if not has(value, "onBehalfOf"):
        return True
    member = ctx.reference_type(value.get("member"))
    return member is None or member == "Practitioner"


@rule("(detail.exists() and measure.exists()) or detail.exists().not()")
def _gol_1(value: Any, ctx: Any, key: str) -> bool:
    details = bool(choice(value, "detail"))
    return not details or has(value, "measure")


@rule("documentType.exists() or reference.exists()")
def _imm_1(value: Any, ctx: Any, key: str) -> bool:
    return has(value, "documentType") or has(value, "reference")


def _instant(text: Any) -> datetime.datetime | None:
    if not isinstance(text, str) or len(text) < 19:
        return None
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


@rule("whenHandedOver.empty() or whenPrepared.empty() or whenHandedOver >= whenPrepared")
def _mdd_1(value: Any, ctx: Any, key: str) -> bool:
    handed, prepared = value.get("whenHandedOver"), value.get("whenPrepared")
    if not isinstance(handed, str) or not isinstance(prepared, str):
        return True
    first, second = _instant(handed), _instant(prepared)
    if first is not None and second is not None and (first.tzinfo is None) == (second.tzinfo is None):
        return first >= second
    if len(handed) == len(prepared):  # same precision: compares as text
        return handed >= prepared
    return True  # different precisions: FHIRPath gives empty, which does not fail


@rule("low.exists() or high.exists() or text.exists()")
def _obs_3(value: Any, ctx: Any, key: str) -> bool:
    return has(value, "low") or has(value, "high") or has(value, "text")


@rule("dataAbsentReason.empty() or value.empty()")
def _obs_6(value: Any, ctx: Any, key: str) -> bool:
    return not has(value, "dataAbsentReason") or not choice(value, "value")


def _coding_key(coding: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, repr(v)) for k, v in coding.items()))


@rule("value.empty() or component.code.where(coding.intersect(%resource.code.coding).exists()).empty()")
def _obs_7(value: Any, ctx: Any, key: str) -> bool:
    if not choice(value, "value"):
        return True
    own = {_coding_key(c) for c in get(ctx.resource, "code", "coding") if isinstance(c, dict)}
    return not any(_coding_key(c) in own for c in get(value, "component", "code", "coding") if isinstance(c, dict))


@rule("(identifier.count() + name.count()) > 0")
def _org_1(value: Any, ctx: Any, key: str) -> bool:
    return bool(objects(value, "identifier")) or has(value, "name")


@rule("where(use = 'home').empty()")
def _org_2_3(value: Any, ctx: Any, key: str) -> bool:
    return not (isinstance(value, dict) and value.get("use") == "home")


@rule("name.exists() or telecom.exists() or address.exists() or organization.exists()")
def _pat_1(value: Any, ctx: Any, key: str) -> bool:
    return any(has(value, n) for n in ("name", "telecom", "address", "organization"))


@rule("telecom or endpoint")
def _pd_1(value: Any, ctx: Any, key: str) -> bool:
    return has(value, "telecom") or has(value, "endpoint")


@rule("who.exists((resolve() is Practitioner) or (resolve() is Device)) implies onBehalfOf.exists()")
def _provenance_1(value: Any, ctx: Any, key: str) -> bool:
    return ctx.reference_type(value.get("who")) not in ("Practitioner", "Device") or has(value, "onBehalfOf")


@rule("orderDetail.empty() or code.exists()")
def _prr_1(value: Any, ctx: Any, key: str) -> bool:
    return not has(value, "orderDetail") or has(value, "code")


@rule("(answer.exists() and item.exists()).not()")
def _qrs_1(value: Any, ctx: Any, key: str) -> bool:
    return not (has(value, "answer") and has(value, "item"))


@rule("subject.exists()")
def _sdcqr_1(value: Any, ctx: Any, key: str) -> bool:
    return has(value, "subject")


@rule(
    "(QuestionnaireResponse|repeat(answer|item)).select(item.where(answer.value.exists()).linkId.isDistin"
    "ct()).allTrue()"
)
def _sdcqr_2(value: Any, ctx: Any, key: str) -> bool:
    pending = [value]
    while pending:
        node = pending.pop()
        answered = [
            i.get("linkId") for i in objects(node, "item") if any(choice(a, "value") for a in objects(i, "answer"))
        ]
        if len(answered) != len(set(answered)):
            return False
        pending.extend(objects(node, "item"))
        pending.extend(objects(node, "answer"))
    return True


@rule("$this is DateTime implies $this.toString().length() >= 10")
def _us_core_1(value: Any, ctx: Any, key: str) -> bool:
    return not key.endswith("DateTime") or not isinstance(value, str) or len(value) >= 10


@rule("($this as dateTime).toString().length() >= 8")
def _vs_1(value: Any, ctx: Any, key: str) -> bool:
    return not key.endswith("DateTime") or not isinstance(value, str) or len(value) >= 8


@rule("(component.empty() and hasMember.empty()) implies (dataAbsentReason.exists() or value.exists())")
def _value_or_absent(value: Any, ctx: Any, key: str) -> bool:
    if has(value, "component") or has(value, "hasMember"):
        return True
    return has(value, "dataAbsentReason") or bool(choice(value, "value"))


@rule("value.exists() or dataAbsentReason.exists()")
def _vs_3(value: Any, ctx: Any, key: str) -> bool:
    return bool(choice(value, "value")) or has(value, "dataAbsentReason")


@rule(REPORT_STATUS_EXPRESSION.format("effective"))
def _report_effective(value: Any, ctx: Any, key: str) -> bool:
    return text(value, "status") not in REPORT_STATUSES or bool(choice(value, "effective"))


@rule(REPORT_STATUS_EXPRESSION.format("issued"))
def _report_issued(value: Any, ctx: Any, key: str) -> bool:
    return text(value, "status") not in REPORT_STATUSES or has(value, "issued")


@rule("(status='completed' or status='in-progress') implies performed.exists()")
def _us_core_7(value: Any, ctx: Any, key: str) -> bool:
    return text(value, "status") not in ("completed", "in-progress") or bool(choice(value, "performed"))


@rule(
    "(family.exists() or given.exists()) xor extension.where(url='http://hl7.org/fhir/StructureDefinition/"
    "data-absent-reason').exists()"
)
def _name_or_absent(value: Any, ctx: Any, key: str) -> bool:
    named = has(value, "family") or has(value, "given")
    absent = any(e.get("url") == DATA_ABSENT_REASON for e in objects(value, "extension"))
    return named != absent


@rule("url.exists() or data.exists()")
def _attachment(value: Any, ctx: Any, key: str) -> bool:
    return has(value, "url") or has(value, "data")


@rule("practitioner or organization or healthcareService or location")
def _us_core_13(value: Any, ctx: Any, key: str) -> bool:
    return any(has(value, n) for n in ("practitioner", "organization", "healthcareService", "location"))


@rule(
    "identifier.type.coding.where(system='http://terminology.hl7.org/CodeSystem/v2-0203' and code='MB').exists() or "
    "subscriberId.exists()"
)
def _us_core_15(value: Any, ctx: Any, key: str) -> bool:
    member = codings(get(value, "identifier", "type"), "http://terminology.hl7.org/CodeSystem/v2-0203", ["MB"])
    return bool(member) or has(value, "subscriberId")


def _matches(pattern: re.Pattern[str]) -> Any:
    def test(value: Any, ctx: Any, key: str) -> bool:
        text = value.get("value") if isinstance(value, dict) else None
        return not isinstance(text, str) or pattern.fullmatch(text) is not None

    return test


rule("value.matches('^[0-9]{10}$')")(_matches(_NPI))
rule("value.matches('^[0-9]{2}D[0-9]{7}$')")(_matches(_CLIA))
rule("value.matches('^[0-9]{5}$')")(_matches(_NAIC))

_LUHN_EXPRESSION = (
    "(((select(value.substring(0,1).toInteger()).select(iif($this<5, $this*2, (($this*2)-9))))+"
    "(value.substring(1,1).toInteger())+(select(value.substring(2,1).toInteger()).select(iif($this<5, $this*2, "
    "(($this*2)-9))))+(value.substring(3,1).toInteger())+(select(value.substring(4,1).toInteger()).select(iif($this<5, "
    "$this*2, (($this*2)-9))))+(value.substring(5,1).toInteger())+(select(value.substring(6,1).toInteger()).select("
    "iif($this<5, $this*2,"
    " (($this*2)-9))))+(value.substring(7,1).toInteger())+(select(value.substring(8,1).toInteger())"
    ".select(iif($this<5, $this*2, (($this*2)-9))))+(value.substring(9,1).toInteger()) + 24)mod 10=0)"
)


@rule(_LUHN_EXPRESSION)
def _npi_luhn(value: Any, ctx: Any, key: str) -> bool:
    """The NPI check digit: Luhn over the 10 digits with the 80840 prefix folded into +24."""
    text = value.get("value") if isinstance(value, dict) else None
    if not isinstance(text, str) or _NPI.fullmatch(text) is None:
        return True  # the expression gives empty for non-digits; us-core-16 reports the format
    total = 24
    for position, char in enumerate(text):
        digit = int(char)
        if position % 2 == 0:
            digit = digit * 2 if digit < 5 else digit * 2 - 9
        total += digit
    return total % 10 == 0


@rule("status='completed' implies whenHandedOver.exists()")
def _us_core_20(value: Any, ctx: Any, key: str) -> bool:
    return text(value, "status") != "completed" or has(value, "whenHandedOver")


@rule(
    "(intent='order' or intent='original-order' or intent='reflex-order'or intent='filler-order' or "
    "intent='instance-order') implies requester.exists()"
)
def _us_core_21(value: Any, ctx: Any, key: str) -> bool:
    return text(value, "intent") not in ORDER_INTENTS or has(value, "requester")


@rule("value.ofType(Quantity).system.empty() or value.ofType(Quantity).system = 'http://unitsofmeasure.org'")
def _us_core_3(value: Any, ctx: Any, key: str) -> bool:
    # On Observation.value[x] the context is the value itself, whose own 'value' is never a
    # Quantity, so this only bites where the profile puts it on the Observation.
    quantity = value.get("valueQuantity") if isinstance(value, dict) else None
    systems = get(quantity, "system")
    return not systems or systems == ["http://unitsofmeasure.org"]


@rule(
    "value.ofType(CodeableConcept).coding.system.empty() or value.ofType(CodeableConcept).coding.system = "
    "'http://snomed.info/sct'"
)
def _us_core_4(value: Any, ctx: Any, key: str) -> bool:
    concept = value.get("valueCodeableConcept") if isinstance(value, dict) else None
    systems = get(concept, "coding", "system")
    return not systems or systems == ["http://snomed.info/sct"]


@rule("vaccineCode.coding.where(system='http://hl7.org/fhir/sid/ndc').empty()")
def _us_core_5(value: Any, ctx: Any, key: str) -> bool:
    return not codings(value.get("vaccineCode"), "http://hl7.org/fhir/sid/ndc")
