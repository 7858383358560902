"""How long legal PDFs take: cold render per document, and cached downloads over HTTP.

Usage: .venv/bin/python bench/legal_pdf.py [--requests 200]

Cold: each document's blank template and one executed copy rendered by WeasyPrint in
this process (the first render also pays WeasyPrint's import and font loading, shown
separately). Cached: a gunicorn server (2 workers) serves the cached PDFs; the figure
is the latency of complete downloads. Goal: cold <= 1.5 s, cached <= 20 ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.loadgen import Request, gunicorn, load, manage, percentiles

REQUEST_TIMEOUT = 30.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    media = Path(tempfile.mkdtemp(prefix="bench-legal-"))
    os.environ.update({"PORTAL_MEDIA_ROOT": str(media), "LOG_LEVEL": "WARNING", "RATE_LIMITS_ENABLED": "0"})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    for command in (["migrate", "--noinput"], ["createcachetable"], ["seed_demo"]):
        manage(os.environ, *command)

    import django

    django.setup()
    from legal import pdf
    from legal.models import Acceptance, LegalDocument

    print(f"{'document':<42} {'cold render ms':>15}")
    first = True
    for document in LegalDocument.objects.current().order_by("published_at", "pk"):
        start = time.perf_counter()
        pdf.cached(document)
        elapsed = (time.perf_counter() - start) * 1000
        note = "  (first render in process: imports WeasyPrint, loads fonts)" if first else ""
        first = False
        print(f"{document.title[:30] + ' (blank)':<42} {elapsed:>15.0f}{note}")
    acceptance = Acceptance.objects.select_related("document", "partner").order_by("pk").first()
    if acceptance is not None:
        start = time.perf_counter()
        pdf.cached(acceptance.document, acceptance)
        print(f"{acceptance.document.title[:30] + ' (executed)':<42} {(time.perf_counter() - start) * 1000:>15.0f}")

    try:
        with gunicorn(os.environ, workers=2) as server:
            last = server.wait_until_up(Request("GET", "/healthz"), accept=(200, 503))
            if last is None or last[0] not in (200, 503):
                server.fail("server did not start")
            # One request after another, each on a new connection (gunicorn's sync workers close them).
            path = "/legal/mnda/2026-03/download.pdf"
            request = Request("GET", path)
            load(server.port, request, 1, requests=10, timeout=REQUEST_TIMEOUT)
            r = load(server.port, request, 1, requests=args.requests, timeout=REQUEST_TIMEOUT)
            p50, p95, p99 = percentiles(r.latencies_ms, method="exclusive")
            print(
                f"\ncached download {path}: {args.requests} requests, {sorted(r.sizes)} bytes, errors {r.errors}\n"
                f"  P50 {p50:.1f} ms  P95 {p95:.1f} ms  P99 {p99:.1f} ms  max {max(r.latencies_ms):.1f} ms"
            )
    finally:
        shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    main()
