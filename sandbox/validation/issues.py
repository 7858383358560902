"""The one result type of the validator: a FHIR OperationOutcome issue, flattened."""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"
INFORMATION = "information"


@dataclass(frozen=True, slots=True)
class Issue:
    """One finding about a resource.

    ``severity`` is a FHIR IssueSeverity (``error``, ``warning``, ``information``), ``code``
    a FHIR IssueType (``structure``, ``required``, ``value``, ``invariant``, ``code-invalid``,
    ``not-supported``...), ``path`` the element in the instance with array indexes and slice
    names (``ExplanationOfBenefit.adjudication:benefitpaymentstatus``,
    ``Patient.identifier[0].system``), ``message`` what is wrong and how to fix it.
    """

    severity: str
    code: str
    path: str
    message: str


def unique(issues: list[Issue]) -> list[Issue]:
    """The issues in their order, each once (a base rule and a slice rule may say the same)."""
    seen: set[Issue] = set()
    out = []
    for issue in issues:
        if issue not in seen:
            seen.add(issue)
            out.append(issue)
    return out
