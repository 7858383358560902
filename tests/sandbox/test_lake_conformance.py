"""Every generated resource conforms to its profiles (issue 12 §2): validated as the
store serves it (meta.versionId and lastUpdated set) by the profile validator of §5."""

from __future__ import annotations

from collections import Counter

from django.utils import timezone

from sandbox.store import stamped
from sandbox.validation import validate
from tests.sandbox.synthetic_data import lake


def test_all_thirty_beneficiaries_validate_with_zero_errors():
    now = timezone.now()
    errors: Counter[str] = Counter()
    checked = 0
    for resource in lake():
        for issue in validate(stamped(resource, 1, now)):
            if issue.severity in ("error", "fatal"):
                errors[f"{resource['resourceType']} {issue.path}: {issue.message}"] += 1
        checked += 1
    assert checked > 8000
    assert not errors, errors.most_common(10)
