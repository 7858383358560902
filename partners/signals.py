"""What partners tells the apps above it. Receivers run synchronously inside the
sender's transaction, so a failing receiver rolls the whole action back.

Every signal is sent with ``sender=Partner`` and keyword arguments named below, plus
``by`` (the user who acted, None for the portal itself) and ``meta`` (RequestMeta).
"""

from __future__ import annotations

from django.dispatch import Signal

# A reviewer decided: partner, decision (the new Partner.Status), previous.
partner_reviewed = Signal()

# Staff removed scope categories from the partner's allowance: partner, removed (slugs).
allowance_narrowed = Signal()

# A member left or was removed: membership (still readable, deleted after the signal), leaving.
member_removed = Signal()
