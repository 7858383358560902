"""National Provider Identifier check digit (Luhn over the 80840-prefixed number)."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def validate_npi(value: str) -> None:
    if not (len(value) == 10 and value.isdigit()):
        raise ValidationError("An NPI is exactly 10 digits, e.g. 1234567893.", code="npi_format")
    if value[0] not in "12":
        raise ValidationError("An NPI starts with 1 (individual) or 2 (organization).", code="npi_prefix")
    if not luhn_valid("80840" + value):
        raise ValidationError(
            "This NPI's check digit is wrong; check for a typo (NPIs use the Luhn check with the 80840 prefix).",
            code="npi_checksum",
        )
