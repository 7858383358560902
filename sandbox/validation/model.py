"""The base R4 structure, read once from the ``fhir.resources.R4B`` pydantic models.

Running pydantic over every pushed resource costs about 4 ms for a typical
ExplanationOfBenefit (one Python validator per nested element), four times over the
ingest budget. So instead of calling the models we read their field metadata once (names,
JSON keys, list or single, required, choice groups, primitive type, nested class) into
small :class:`TypeSpec` tables, and :mod:`.base` walks the JSON with those tables.
``base.pydantic_issues`` still runs the models themselves, for comparison.

R4B is not R4. The differences that matter for data (found by comparing the R4B models with
the R4 4.0.1 definitions field by field) are applied here:

* ``Extension.value[x]`` and ``ElementDefinition.(defaultValue|fixed|pattern)[x]`` /
  ``ElementDefinition.example.value[x]`` allow ``Meta`` in R4 (``valueMeta``...), and do not
  allow the R4B types ``CodeableReference`` and ``RatioRange``.
* ``ActivityDefinition.subjectCanonical``, ``PlanDefinition.subjectCanonical`` and
  ``PlanDefinition.action.subjectCanonical`` are R4B only.
* ``MarketingStatus.country`` and ``MarketingStatus.dateRange`` are required in R4.
* Thirteen resource types exist only in R4B (:data:`R4B_ONLY_RESOURCES`): not R4, rejected.
* Eighteen R4 resource types are gone from R4B and ``Evidence`` / ``EvidenceVariable`` were
  rebuilt (:data:`R4_UNMODELLED_RESOURCES`): valid R4, but we hold no model of them, so only
  their resource-level elements are checked and a warning says so.

Code lists (``enum_values``) that the models carry are not enforced here: the models list
them for extensible bindings too. The profile layer uses them only where a profile states a
required binding to a core ValueSet we do not ship (see :func:`enum_values_at`).
"""

from __future__ import annotations

import importlib
import types
import typing
from dataclasses import dataclass, field
from functools import cache

from fhir.resources.R4B import get_fhir_model_class
from fhir_core.fhirabstractmodel import FHIRAbstractModel
from fhir_core.types import FhirBase, FhirElementOrResourceBase

from .primitives import CHECKERS, Checker

R4B_ONLY_RESOURCES = frozenset(
    {
        "AdministrableProductDefinition",
        "Citation",
        "ClinicalUseDefinition",
        "EvidenceReport",
        "Ingredient",
        "ManufacturedItemDefinition",
        "MedicinalProductDefinition",
        "NutritionProduct",
        "PackagedProductDefinition",
        "RegulatedAuthorization",
        "SubscriptionStatus",
        "SubscriptionTopic",
        "SubstanceDefinition",
    }
)
R4_UNMODELLED_RESOURCES = frozenset(
    {
        "EffectEvidenceSynthesis",
        "Evidence",
        "EvidenceVariable",
        "MedicinalProduct",
        "MedicinalProductAuthorization",
        "MedicinalProductContraindication",
        "MedicinalProductIndication",
        "MedicinalProductIngredient",
        "MedicinalProductInteraction",
        "MedicinalProductManufactured",
        "MedicinalProductPackaged",
        "MedicinalProductPharmaceutical",
        "MedicinalProductUndesirableEffect",
        "RiskEvidenceSynthesis",
        "SubstanceNucleicAcid",
        "SubstancePolymer",
        "SubstanceProtein",
        "SubstanceReferenceInformation",
        "SubstanceSourceMaterial",
        "SubstanceSpecification",
    }
)

# Per class: JSON keys to drop (R4B only) and (key, choice group, FHIR type) to add (R4 only).
_R4_REMOVED: dict[str, tuple[str, ...]] = {
    "Extension": ("valueCodeableReference", "valueRatioRange"),
    "ElementDefinition": (
        "defaultValueCodeableReference",
        "defaultValueRatioRange",
        "fixedCodeableReference",
        "fixedRatioRange",
        "patternCodeableReference",
        "patternRatioRange",
    ),
    "ElementDefinitionExample": ("valueCodeableReference", "valueRatioRange"),
    "ActivityDefinition": ("subjectCanonical",),
    "PlanDefinition": ("subjectCanonical",),
    "PlanDefinitionAction": ("subjectCanonical",),
}
_R4_ADDED: dict[str, tuple[tuple[str, str], ...]] = {
    "Extension": (("valueMeta", "value"),),
    "ElementDefinition": (("defaultValueMeta", "defaultValue"), ("fixedMeta", "fixed"), ("patternMeta", "pattern")),
    "ElementDefinitionExample": (("valueMeta", "value"),),
}
_R4_REQUIRED: dict[str, tuple[str, ...]] = {"MarketingStatus": ("country", "dateRange")}

_PRIMITIVE_NAMES = {
    "String": "string",
    "Code": "code",
    "Id": "id",
    "Decimal": "decimal",
    "Integer": "integer",
    "Integer64": "integer64",
    "UnsignedInt": "unsignedInt",
    "PositiveInt": "positiveInt",
    "Uri": "uri",
    "Oid": "oid",
    "Uuid": "uuid",
    "UuidVersion": "uuid",  # R4B types uuid as a version-4 UUID; R4 allows any urn:uuid
    "Canonical": "canonical",
    "Url": "url",
    "Markdown": "markdown",
    "Xhtml": "xhtml",
    "Date": "date",
    "DateTime": "dateTime",
    "Instant": "instant",
    "Time": "time",
    "Base64Binary": "base64Binary",
}

PRIMITIVE, COMPLEX, RESOURCE = 0, 1, 2


@dataclass(slots=True)
class FieldSpec:
    """One JSON property of a FHIR type."""

    key: str  # the JSON key: "status", "valueQuantity"
    kind: int  # PRIMITIVE, COMPLEX or RESOURCE
    type_code: str  # FHIR type: "code", "CodeableConcept", "Resource", or a backbone class name
    is_list: bool
    required: bool = False
    choice: str | None = None  # "value" for value[x]
    checker: Checker | None = None  # primitives
    model: type[FHIRAbstractModel] | None = None  # complex types
    enum: tuple[str, ...] | None = None
    _spec: TypeSpec | None = None

    @property
    def spec(self) -> TypeSpec:
        """The nested type's shape, resolved on first use (types nest recursively)."""
        if self._spec is None:
            if self.model is None:
                raise TypeError(f"{self.key} is not a complex element")
            self._spec = type_spec(self.model)
        return self._spec


@dataclass(slots=True)
class TypeSpec:
    """The JSON shape of one FHIR type (resource, datatype or backbone element)."""

    name: str
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    # "_key" -> the FieldSpec of the primitive it extends
    extensions: dict[str, FieldSpec] = field(default_factory=dict)
    required: tuple[FieldSpec, ...] = ()
    choices: dict[str, tuple[bool, tuple[str, ...]]] = field(default_factory=dict)  # group -> (required, keys)
    required_choices: tuple[str, ...] = ()


def _unwrap(annotation: object) -> tuple[object, bool]:
    """(inner type, is a list) of an Optional[List[...]] style annotation."""
    is_list = False
    while True:
        origin = typing.get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0]
            continue
        if origin in (list, typing.List):  # noqa: UP006 - the models use typing.List
            is_list = True
            annotation = typing.get_args(annotation)[0]
            continue
        return annotation, is_list


def _field_spec(key: str, annotation: object, extra: dict[str, typing.Any], required: bool) -> FieldSpec:
    inner, is_list = _unwrap(annotation)
    choice = extra.get("one_of_many")
    enum = tuple(extra["enum_values"]) if extra.get("enum_values") else None
    if inner is bool:
        return FieldSpec(key, PRIMITIVE, "boolean", is_list, required, choice, CHECKERS["boolean"], enum=enum)
    metadata = getattr(inner, "__metadata__", None)
    if metadata:
        code = next(_PRIMITIVE_NAMES[n] for n in (type(m).__name__ for m in metadata) if n in _PRIMITIVE_NAMES)
        checker = CHECKERS.get(code, CHECKERS["string"])
        return FieldSpec(key, PRIMITIVE, code, is_list, required, choice, checker, enum=enum)
    if isinstance(inner, type) and issubclass(inner, FhirElementOrResourceBase):
        return FieldSpec(key, RESOURCE, "Resource", is_list, required, choice)
    if isinstance(inner, type) and issubclass(inner, FhirBase):
        model = inner.get_model_klass()
        return FieldSpec(key, COMPLEX, model.__resource_type__, is_list, required, choice, model=model)
    raise TypeError(f"unexpected annotation for {key}: {annotation!r}")


@cache
def type_spec(model: type[FHIRAbstractModel]) -> TypeSpec:
    """The compiled JSON shape of a model class (cached: built once per class)."""
    name = model.__resource_type__
    spec = TypeSpec(name)
    removed = _R4_REMOVED.get(model.__name__, ())
    required_extra = _R4_REQUIRED.get(model.__name__, ())
    required: list[FieldSpec] = []
    groups: dict[str, tuple[bool, list[str]]] = {}
    for attr, info in model.model_fields.items():
        key = info.alias or attr
        if attr == "fhir_comments" or attr.endswith("__ext") or key in removed:
            continue
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        needed = info.is_required() or bool(extra.get("element_required")) or key in required_extra
        fspec = _field_spec(key, info.annotation, extra, needed)
        spec.fields[key] = fspec
        if fspec.kind == PRIMITIVE:
            spec.extensions["_" + key] = fspec
        if needed:
            required.append(fspec)
        if fspec.choice:
            group = groups.setdefault(fspec.choice, (bool(extra.get("one_of_many_required")), []))
            group[1].append(key)
    for key, group_name in _R4_ADDED.get(model.__name__, ()):
        meta = importlib.import_module("fhir.resources.R4B.meta").Meta
        spec.fields[key] = FieldSpec(key, COMPLEX, "Meta", False, False, group_name, model=meta)
        groups[group_name][1].append(key)
    spec.required = tuple(required)
    spec.choices = {g: (req, tuple(keys)) for g, (req, keys) in groups.items()}
    spec.required_choices = tuple(g for g, (req, _keys) in groups.items() if req)
    return spec


@cache
def resource_spec(resource_type: str) -> TypeSpec | None:
    """The shape of an R4 resource type, or None when R4B has no (R4-compatible) model of it."""
    if resource_type in R4B_ONLY_RESOURCES or resource_type in R4_UNMODELLED_RESOURCES:
        return None
    try:
        model = get_fhir_model_class(resource_type)
    except (KeyError, ValueError, ImportError, AttributeError):
        return None
    if not model.has_resource_base() or resource_type in ("Resource", "DomainResource"):
        return None
    return type_spec(model)


@cache
def element_spec() -> TypeSpec:
    """The shape of ``_x`` (a primitive's id and extensions)."""
    return type_spec(get_fhir_model_class("Element"))


@cache
def domain_resource_spec() -> TypeSpec:
    return type_spec(get_fhir_model_class("DomainResource"))


def is_r4_resource_type(name: str) -> bool:
    return name in R4_UNMODELLED_RESOURCES or resource_spec(name) is not None


@cache
def datatype_spec(type_code: str) -> TypeSpec | None:
    """The shape of a complex datatype by FHIR name (``CodeableConcept``), or None."""
    try:
        model = get_fhir_model_class(type_code)
    except (KeyError, ValueError, ImportError, AttributeError):
        return None
    return type_spec(model)


def field_at(path: str) -> FieldSpec | None:
    """The base field of an element path such as ``ExplanationOfBenefit.item.adjudication.category``
    (choice elements as ``value[x]``), or None where the path leaves the models."""
    parts = path.split(".")
    spec = resource_spec(parts[0]) or datatype_spec(parts[0])
    found: FieldSpec | None = None
    last = len(parts) - 1
    for position, part in enumerate(parts[1:], start=1):
        if spec is None:
            return None
        if part.endswith("[x]"):
            group = spec.choices.get(part[:-3])
            if group is None:
                return None
            found = spec.fields[group[1][0]]
            return found if position == last else None
        found = spec.fields.get(part)
        if found is None:
            return None
        spec = found.spec if found.kind == COMPLEX else None
    return found


def choice_keys_at(path: str) -> dict[str, str]:
    """For a choice element path (``Observation.value[x]``): every JSON key R4 allows -> FHIR type."""
    parts = path.split(".")
    parent = ".".join(parts[:-1])
    group_name = parts[-1][:-3]
    if "." in parent:
        holder = field_at(parent)
        if holder is None or holder.kind != COMPLEX:
            return {}
        spec: TypeSpec | None = holder.spec
    else:
        spec = resource_spec(parent) or datatype_spec(parent)
    if spec is None or group_name not in spec.choices:
        return {}
    return {key: spec.fields[key].type_code for key in spec.choices[group_name][1]}


def enum_values_at(path: str) -> tuple[str, ...] | None:
    """The code list the models carry for a ``code`` element (used for required bindings to
    core ValueSets we do not ship)."""
    found = field_at(path)
    if found is None or found.kind != PRIMITIVE or found.type_code != "code" or not found.enum:
        return None
    if any(" " in code or code.endswith(".") for code in found.enum):  # "etc." marks a sample list
        return None
    return found.enum


def base_cardinality(path: str) -> tuple[int, int] | None:
    """(min, max) of an element in the base resource (max -1 for *), or None when unknown."""
    found = field_at(path)
    if found is None:
        return None
    return (1 if found.required else 0), (-1 if found.is_list else 1)
