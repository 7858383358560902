"""FHIR R4 primitive types in JSON: the JSON kind each needs and the lexical rule it obeys.

The regular expressions are the ones the R4 specification publishes for each type
(https://hl7.org/fhir/R4/datatypes.html), with two corrections that the specification's own
tooling also makes: ``base64Binary`` accepts ``/`` (the published expression forgets it), and
calendar dates are checked for real days (no 30 February). JSON numbers must be numbers and
booleans booleans: FHIR JSON never carries ``"5"`` for an integer, so neither do we (pydantic's
lax mode would accept it).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from decimal import Decimal

# A checker returns None when the value is fine, else a short reason.
Checker = Callable[[object], "str | None"]

_YEAR = r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)"
_MONTH = r"(0[1-9]|1[0-2])"
_DAY = r"(0[1-9]|[1-2][0-9]|3[0-1])"
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?"
_ZONE = r"(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"

DATE = re.compile(rf"{_YEAR}(-{_MONTH}(-{_DAY})?)?")
DATETIME = re.compile(rf"{_YEAR}(-{_MONTH}(-{_DAY}(T{_TIME}{_ZONE})?)?)?")
INSTANT = re.compile(rf"{_YEAR}-{_MONTH}-{_DAY}T{_TIME}{_ZONE}")
TIME = re.compile(_TIME)
CODE = re.compile(r"[^\s]+(\s[^\s]+)*")
ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
URI = re.compile(r"\S+")
OID = re.compile(r"urn:oid:[0-2](\.(0|[1-9][0-9]*))+")
UUID = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
BASE64 = re.compile(r"(\s*[0-9a-zA-Z+/=]{4}\s*)+")
MAX_STRING = 1024 * 1024

INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def _real_day(text: str) -> bool:
    if len(text) < 10 or text[8:10] < "29":
        return True
    try:
        datetime.date(int(text[0:4]), int(text[5:7]), int(text[8:10]))
    except ValueError:
        return False
    return True


def _string(value: object) -> str | None:
    if not isinstance(value, str):
        return "must be a JSON string"
    if not value:
        return "must not be empty (leave the element out instead)"
    if len(value) > MAX_STRING:
        return "is longer than 1 MiB"
    return None


def _pattern(regex: re.Pattern[str], what: str, calendar: bool = False) -> Checker:
    def check(value: object) -> str | None:
        if not isinstance(value, str):
            return "must be a JSON string"
        if regex.fullmatch(value) is None:
            return f"is not a valid {what}"
        if calendar and not _real_day(value):
            return f"is not a real calendar date ({what})"
        return None

    return check


def _boolean(value: object) -> str | None:
    return None if isinstance(value, bool) else "must be JSON true or false"


def _integer(low: int) -> Checker:
    def check(value: object) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return "must be a JSON integer number"
        if value < low or value > INT_MAX:
            return f"must be between {low} and {INT_MAX}"
        return None

    return check


def _decimal(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return "must be a JSON number"
    if isinstance(value, float) and value != value:  # NaN
        return "must be a finite number"
    return None


def _xhtml(value: object) -> str | None:
    if not isinstance(value, str):
        return "must be a JSON string"
    if not value.lstrip().startswith("<div"):
        return "must be an XHTML <div> element"
    return None


CHECKERS: dict[str, Checker] = {
    "boolean": _boolean,
    "integer": _integer(INT_MIN),
    "unsignedInt": _integer(0),
    "positiveInt": _integer(1),
    "decimal": _decimal,
    "string": _string,
    "markdown": _string,
    "code": _pattern(CODE, "code (no leading, trailing or double spaces)"),
    "id": _pattern(ID, "id (1-64 of A-Z a-z 0-9 - .)"),
    "uri": _pattern(URI, "uri"),
    "url": _pattern(URI, "url"),
    "canonical": _pattern(URI, "canonical URL"),
    "oid": _pattern(OID, "OID (urn:oid:...)"),
    "uuid": _pattern(UUID, "UUID (urn:uuid:... in lower case)"),
    "base64Binary": _pattern(BASE64, "base64 value"),
    "date": _pattern(DATE, "date (YYYY, YYYY-MM or YYYY-MM-DD)", calendar=True),
    "dateTime": _pattern(DATETIME, "dateTime (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+zz:zz)", calendar=True),
    "instant": _pattern(INSTANT, "instant (YYYY-MM-DDThh:mm:ss[.sss]+zz:zz, with a time zone)", calendar=True),
    "time": _pattern(TIME, "time (hh:mm:ss)"),
    "xhtml": _xhtml,
}

PRIMITIVE_TYPES = frozenset(CHECKERS)


def type_of_suffix(suffix: str) -> str:
    """The FHIR type named by a choice element's suffix: ``String`` -> ``string``,
    ``DateTime`` -> ``dateTime``, ``CodeableConcept`` -> ``CodeableConcept``."""
    lowered = suffix[:1].lower() + suffix[1:]
    return lowered if lowered in PRIMITIVE_TYPES else suffix


def suffix_of_type(code: str) -> str:
    """The choice suffix of a FHIR type: ``dateTime`` -> ``DateTime``."""
    return code[:1].upper() + code[1:]
