"""Settings for bench/token_endpoint.py: the portal's own, plus a few bench-only views.

Only ROOT_URLCONF changes (to :mod:`bench.bench_urls`, which serves every portal URL
as well), so the shipped endpoints run exactly as configured in portal.settings.
"""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bench_urls"
