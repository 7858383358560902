"""Counting attempts in the shared cache: per address, per account, per anything.

A fixed window per key: the first attempt opens it for ``period`` seconds, each attempt
adds one atomically (``cache.add`` + ``incr``; Redis in production, so the count holds
across every process), and past ``limit`` the caller refuses until the window closes.
Used where guessing or abuse must be bounded: sign-in, signup. (Per-credential API
limits are DRF throttles, :mod:`lib.drf`.)
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from lib.errors import Refused


class TooManyAttempts(Refused):
    status_code = 429
    code = "throttled"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def hit(key: str, *, limit: int, period: int) -> int:
    """Count one attempt under ``key``; the count in the current window."""
    key = f"ratelimit:{key}"
    cache.add(key, 0, period)
    try:
        return int(cache.incr(key))
    except ValueError:  # the window closed between add and incr
        cache.add(key, 1, period)
        return 1


def check(key: str, *, limit: int, period: int, message: str) -> None:
    """Count one attempt; :class:`TooManyAttempts` once ``limit`` is passed. Off when
    ``RATE_LIMITS_ENABLED`` is false (capacity benchmarks only)."""
    if settings.RATE_LIMITS_ENABLED and hit(key, limit=limit, period=period) > limit:
        raise TooManyAttempts(message, retry_after=period)


def reset(key: str) -> None:
    cache.delete(f"ratelimit:{key}")
