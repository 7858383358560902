"""FHIR R4 validation for the sandbox: base structure and the shipped implementation guides
(US Core 6.1.0, CARIN Blue Button 2.0.0) from ``sandbox/profiles``. Pure Python; no database.

    from sandbox.validation import validate, Issue
    issues = validate(resource)                       # its meta.profile
    issues = validate(resource, profiles=[url])       # these profiles instead
    issues = validate_base(resource)                  # R4 structure only
"""

from .base import validate_base
from .issues import Issue
from .validator import known_profiles, validate

__all__ = ["Issue", "known_profiles", "validate", "validate_base"]
