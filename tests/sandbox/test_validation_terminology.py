"""ValueSet expansion from the shipped definitions (required bindings)."""

from __future__ import annotations

from sandbox.validation.definitions import shipped
from sandbox.validation.terminology import expansion

CARIN_VS = "http://hl7.org/fhir/us/carin-bb/ValueSet/"
CARIN_CS = "http://hl7.org/fhir/us/carin-bb/CodeSystem/"


def test_listed_concepts():
    found = expansion(shipped(), CARIN_VS + "C4BBPayerBenefitPaymentStatus")
    assert found is not None
    assert found.has_coding(CARIN_CS + "C4BBPayerAdjudicationStatus", "innetwork")
    assert not found.has_coding(CARIN_CS + "C4BBPayerAdjudicationStatus", "paid")
    assert not found.has_coding("http://example.org/other", "innetwork")


def test_whole_shipped_code_system_and_included_value_set():
    found = expansion(shipped(), CARIN_VS + "C4BBAdjudicationCategoryDiscriminator")
    assert found is not None and not found.open_systems and not found.undecidable
    assert found.has_coding(CARIN_CS + "C4BBAdjudicationDiscriminator", "adjustmentreason")  # the whole code system
    assert found.has_coding(CARIN_CS + "C4BBAdjudication", "paidtoprovider")  # from the included C4BBAdjudication
    assert found.has_coding("http://terminology.hl7.org/CodeSystem/adjudication", "submitted")
    assert not found.has_coding(CARIN_CS + "C4BBAdjudicationDiscriminator", "nonsense")


def test_external_code_systems_are_checked_by_system_only():
    found = expansion(shipped(), "http://hl7.org/fhir/us/carin-bb/ValueSet/CDCICD910CMDiagnosisCodes")
    assert found is not None
    assert "http://hl7.org/fhir/sid/icd-10-cm" in found.open_systems
    assert found.has_coding("http://hl7.org/fhir/sid/icd-10-cm", "anything at all")
    assert not found.has_coding("http://snomed.info/sct", "22298006")


def test_value_set_built_on_unshipped_value_sets_cannot_decide():
    found = expansion(shipped(), "http://hl7.org/fhir/us/core/ValueSet/omb-race-category")
    assert found is not None and found.undecidable
    assert found.has_coding("urn:oid:2.16.840.1.113883.6.238", "whatever")


def test_versioned_references_and_unknown_value_sets():
    assert expansion(shipped(), "http://hl7.org/fhir/ValueSet/claim-type|4.0.1") is not None  # the shipped version
    assert expansion(shipped(), "http://hl7.org/fhir/ValueSet/claim-type") is not None
    assert expansion(shipped(), "http://hl7.org/fhir/ValueSet/claim-type|3.0.2") is None
    assert expansion(shipped(), "http://example.org/ValueSet/none") is None
